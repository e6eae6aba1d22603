/**
 * The whole diagram as a picture, drawn from the graph rather than copied from the screen: React
 * Flow renders only what is in view, so a screen copy was the clipped viewport. Every place, VLAN
 * and machine is drawn at its own position with its label and state, so an export of 10,000 nodes
 * is complete. PNG is the same SVG rasterised, scaled down to stay within what a canvas can hold.
 */
import type { FleetNode, TopologyGraph } from '../../../../shared/model';

export interface ExportColors {
  background: string;
  text: string;
  muted: string;
  border: string;
  panel: string;
  l2: string;
  accent: string;
  ok: string;
  bad: string;
  busy: string;
}

const STATE_TONE: Record<string, keyof ExportColors> = {
  active: 'ok',
  failed: 'bad',
  inactive: 'muted',
  unknown: 'muted',
  deleted: 'muted',
};
const toneOf = (state: string): keyof ExportColors => STATE_TONE[state] ?? 'busy';

const escapeXml = (text: string) => text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** One self-contained SVG document of the whole graph. */
export function topologySvg(graph: TopologyGraph, nodes: ReadonlyMap<string, FleetNode>, colors: ExportColors): string {
  const out: string[] = [];
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${Math.ceil(graph.width)}" height="${Math.ceil(graph.height)}" viewBox="0 0 ${graph.width} ${graph.height}" font-family="system-ui, sans-serif">`,
    `<rect width="100%" height="100%" fill="${colors.background}"/>`,
  );
  // Containers first (metro, facility, rack), then VLANs, edges, machines on top: as on screen.
  const order = { metro: 0, facility: 1, rack: 2, vlan: 3, machine: 5 } as const;
  const sorted = [...graph.nodes].sort((a, b) => order[a.kind] - order[b.kind]);
  let edgesDrawn = false;
  for (const n of sorted) {
    if (n.kind === 'machine' && !edgesDrawn) {
      edgesDrawn = true;
      for (const e of graph.edges) {
        const a = byId.get(e.source);
        const b = byId.get(e.target);
        if (!a || !b) continue;
        const dash = e.kind === 'gateway' ? ' stroke-dasharray="8 5"' : '';
        out.push(
          `<line x1="${a.x + a.width / 2}" y1="${a.y + a.height / 2}" x2="${b.x + b.width / 2}" y2="${b.y + b.height / 2}" stroke="${e.kind === 'gateway' ? colors.accent : colors.l2}" stroke-width="${e.kind === 'gateway' ? 2.5 : 1.5}"${dash}/>`,
        );
      }
    }
    if (n.kind === 'machine') {
      const node = n.nodeId ? nodes.get(n.nodeId) : undefined;
      const state = node?.state ?? 'unknown';
      out.push(
        `<g><rect x="${n.x}" y="${n.y}" width="${n.width}" height="${n.height}" rx="6" fill="${colors.panel}" stroke="${colors.border}"/>`,
        `<rect x="${n.x}" y="${n.y}" width="4" height="${n.height}" fill="${colors[toneOf(state)]}"/>`,
        `<text x="${n.x + 10}" y="${n.y + 18}" font-size="12" font-weight="600" fill="${colors.text}">${escapeXml(node?.hostname ?? n.label)}</text>`,
        `<text x="${n.x + 10}" y="${n.y + n.height - 10}" font-size="11" fill="${colors.muted}">${escapeXml(state.replace(/_/g, ' '))}${node?.layer2Only ? ' · L2' : ''}</text></g>`,
      );
    } else if (n.kind === 'vlan') {
      out.push(
        `<rect x="${n.x}" y="${n.y}" width="${n.width}" height="${n.height}" rx="22" fill="${colors.panel}" stroke="${colors.l2}" stroke-width="2"/>`,
        `<text x="${n.x + 14}" y="${n.y + 20}" font-size="12" fill="${colors.text}">${escapeXml(n.label)}</text>`,
      );
    } else {
      const stroke = n.kind === 'metro' ? colors.l2 : n.kind === 'facility' ? colors.accent : colors.border;
      const dash = n.kind === 'rack' ? ' stroke-dasharray="6 4"' : '';
      out.push(
        `<rect x="${n.x}" y="${n.y}" width="${n.width}" height="${n.height}" rx="10" fill="none" stroke="${stroke}" stroke-width="${n.kind === 'metro' ? 2 : 1}"${dash}/>`,
        `<text x="${n.x + 12}" y="${n.y + (n.kind === 'metro' ? 24 : 20)}" font-size="${n.kind === 'metro' ? 16 : 13}" font-weight="600" fill="${colors.text}">${escapeXml(n.label)}</text>`,
      );
    }
  }
  out.push('</svg>');
  return out.join('\n');
}

/** Canvas limits differ by browser; 16,384 px a side and 268 Mpx in all stays safe in Chromium. */
const MAX_SIDE = 16_384;
const MAX_PIXELS = 120_000_000;

/** The scale that keeps a picture of this size within what a canvas can hold. */
export function rasterScale(width: number, height: number): number {
  return Math.min(1, MAX_SIDE / width, MAX_SIDE / height, Math.sqrt(MAX_PIXELS / Math.max(1, width * height)));
}

/** The SVG drawn onto a canvas: a PNG blob, scaled down when the diagram is larger than a canvas allows. */
export async function svgToPng(svg: string, width: number, height: number): Promise<Blob> {
  const scale = rasterScale(width, height);
  const url = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' }));
  try {
    const image = new Image();
    image.src = url;
    await image.decode();
    const canvas = document.createElement('canvas');
    canvas.width = Math.max(1, Math.floor(width * scale));
    canvas.height = Math.max(1, Math.floor(height * scale));
    const context = canvas.getContext('2d');
    if (!context) throw new Error('This window cannot draw a picture (no 2D canvas).');
    context.drawImage(image, 0, 0, canvas.width, canvas.height);
    return await new Promise<Blob>((resolve, reject) =>
      canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('The picture is too large to encode as PNG.'))), 'image/png'),
    );
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** Offers the file to the user as a download. */
export function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
