/**
 * End to end, as an operator writing node config: create a Butane profile, make a typo and see the
 * lint mark that line, fix it, save r2 with a message, compare r1 with r2 side by side and unified,
 * restore r1 as r3. The editor is CodeMirror in a shadow root: the page gets no <style> elements.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeInChromium } from './describe-in-chromium';
import { schemaReferenceAvailable as schemaAvailable } from '../fakes/schema-mirror';
import { openIronpane, type IronpaneUi } from './helpers';

describeInChromium('node config in Chromium', () => {
  let ui: IronpaneUi;
  const editor = () => ui.page.locator('[data-testid="editor-Config document"] .cm-content');
  const replaceDocument = async (text: string) => {
    await editor().click();
    await ui.page.keyboard.press('Control+A');
    await ui.page.keyboard.insertText(text);
  };

  beforeAll(async () => {
    ui = await openIronpane({ nodeCount: 20, timeScale: 0.05, failureRate: 0 });
    await ui.page.getByRole('row').nth(1).waitFor();
    await ui.page.getByRole('navigation').getByRole('button', { name: 'Config' }).click();
  });
  afterAll(() => ui?.close());

  it('creates a Butane config from the template and shows the Ignition it compiles to', async () => {
    const { page } = ui;
    // The lab's starting configs are there on a first start.
    await page.getByRole('option', { name: /Lab: Flatcar nodes/ }).waitFor();
    await page.getByRole('button', { name: 'New config' }).click();
    const form = page.getByRole('form', { name: 'New config' });
    await form.getByLabel('Name').fill('k8s workers');
    await form.getByRole('button', { name: 'Create' }).click();
    await editor().waitFor();
    await expect
      .poll(() => page.getByRole('region', { name: 'Compiled Ignition' }).innerText())
      .toMatch(/Ignition \(spec 3\.4\.0\)[\s\S]*"sshAuthorizedKeys"/i);
    expect(await page.getByRole('status', { name: 'Check result' }).innerText()).toMatch(/valid/);
    // CodeMirror styles itself inside its shadow root: nothing inline in the page's own document.
    expect(await page.evaluate(() => document.querySelectorAll('style').length)).toBe(0);
  });

  it('marks the line of a typo, keeps Save disabled, and clears once it is fixed', async () => {
    const { page } = ui;
    const broken =
      'variant: flatcar\nversion: 1.1.0\nsystemd:\n  units:\n    - name: hello.service\n      enabled: ture\n      contents: |\n        [Service]\n        ExecStart=/usr/bin/echo hello\n';
    await replaceDocument(broken);
    await page.locator('.cm-lintRange-error').first().waitFor();
    expect(await page.getByRole('list', { name: 'Problems' }).innerText()).toContain(
      'line 6, column 16 (systemd.units.0.enabled): enabled must be true or false',
    );
    expect(await page.getByRole('button', { name: 'Save r2' }).isDisabled()).toBe(true);
    await ui.screenshot('config-lint-typo');
    await replaceDocument(broken.replace('ture', 'true'));
    await expect.poll(() => page.locator('.cm-lintRange-error').count()).toBe(0);
    await page.getByLabel('Revision message').fill('hello unit');
    await page.getByRole('button', { name: 'Save r2' }).click();
    await page.getByText('Saved r2 of k8s workers').waitFor();
    await expect.poll(() => page.getByRole('option', { name: /k8s workers/ }).innerText()).toContain('r2');
  });

  it('compares r1 with r2 side by side and unified, then restores r1 as r3', async () => {
    const { page } = ui;
    await page.getByRole('button', { name: /^History/ }).click();
    const history = page.getByRole('region', { name: 'History of k8s workers' });
    await history.getByLabel('Older revision').selectOption({ label: 'r1 · Started from the template' });
    await history.getByLabel('Newer revision').selectOption({ label: 'r2 · hello unit' });
    await history.getByRole('button', { name: 'Show diff' }).click();
    await page.locator('[data-testid="diff-view"] .cm-mergeView').waitFor();
    expect(await page.locator('[data-testid="diff-view"] .cm-changedLine').count()).toBeGreaterThan(0);
    await ui.screenshot('config-diff-split');
    await page.getByLabel('Diff layout').selectOption('unified');
    await page.locator('[data-testid="diff-view"] .cm-deletedChunk').first().waitFor();
    await ui.screenshot('config-diff-unified');
    await page.getByRole('button', { name: 'Back to the editor' }).click();
    await page.getByRole('button', { name: 'Restore as r3' }).click();
    await page.getByText('Restored r1 as r3').waitFor();
    await expect.poll(() => editor().innerText()).toContain('node-exporter.service');
  });

  it('assigns the config to a tag, and the fleet shows those nodes drifted with one click to the diff', async () => {
    const { page } = ui;
    const panel = page.getByRole('region', { name: 'Assignments of k8s workers' });
    await panel.getByLabel('Tag to assign').selectOption('k8s');
    await panel.getByRole('button', { name: 'Assign to tag' }).click();
    await expect
      .poll(() =>
        panel
          .getByRole('status', { name: 'Sync summary' })
          .innerText()
          .catch(() => ''),
      )
      .toMatch(/0 of \d+ nodes have r\d+ as user data/);
    await ui.screenshot('config-assigned');
    await page.getByRole('button', { name: 'Fleet' }).click();
    await page.getByLabel('Filter by tag').selectOption('k8s');
    const rows = page.locator('[role="row"][data-node-id]');
    await expect.poll(async () => (await rows.locator('[data-drift="drifted"]').count()) === (await rows.count()) && (await rows.count()) > 0).toBe(true);
    await page.getByLabel('Filter by tag').selectOption('');
    await page.getByLabel('Filter by tag').selectOption('db');
    await expect.poll(() => rows.locator('[data-drift]').count()).toBe(0);
    await page.getByLabel('Filter by tag').selectOption('k8s');
    await rows.first().click();
    const details = page.locator('aside[aria-label^="Details of"]');
    await details.getByText(/drifted: assigned r3, nothing applied/).waitFor();
    await details.getByRole('button', { name: 'Compare applied with assigned' }).click();
    const dialog = page.getByRole('dialog', { name: 'Applied against assigned config' });
    await dialog.locator('[data-testid="diff-view"] .cm-content').waitFor();
    await ui.screenshot('config-drift-diff');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await page.getByLabel('Filter by tag').selectOption('');
    // The topology marks them too.
    await page.getByRole('button', { name: 'Topology' }).click();
    await expect.poll(() => page.locator('.topo-machine [data-drift="drifted"]').count()).toBeGreaterThan(0);
    await page.getByRole('navigation').getByRole('button', { name: 'Config' }).click();
  });

  it('applies r3 to the drifted nodes after a confirm that says what applying means, and they come in sync', async () => {
    const { page } = ui;
    const panel = page.getByRole('region', { name: 'Assignments of k8s workers' });
    await panel.getByRole('button', { name: /^Apply r3 to \d+ drifted nodes$/ }).click();
    const dialog = page.getByRole('alertdialog', { name: /^Apply k8s workers r3 to \d+ nodes\?$/ });
    expect(await dialog.innerText()).toMatch(/Ignition runs once, at first boot/);
    await ui.screenshot('config-apply-confirm');
    const count = /Type (\d+) to confirm/.exec(await dialog.innerText())![1]!;
    await dialog.getByLabel(`Type ${count} to confirm`).fill(count);
    await dialog.getByRole('button', { name: /^Apply r3 to/ }).click();
    await page.getByText(/^Applied r3 to \d+ nodes$/).waitFor();
    // The Talos nodes of the tag cannot take a Butane config: they are named, and stay drifted.
    await expect
      .poll(() => panel.getByRole('status', { name: 'Sync summary' }).innerText())
      .toMatch(/^\d+ of \d+ nodes have r3 as user data.*takes effect when a node is reinstalled/);
    await page.getByRole('button', { name: 'Fleet' }).click();
    await page.getByLabel('Filter by tag').selectOption('k8s');
    await page.getByLabel('Filter by OS').selectOption('flatcar');
    const rows = page.locator('[role="row"][data-node-id]');
    await expect.poll(async () => (await rows.locator('[data-drift="in_sync"]').count()) === (await rows.count()) && (await rows.count()) > 0).toBe(true);
    await page.getByLabel('Filter by OS').selectOption('');
    await ui.screenshot('config-in-sync');
    await page.getByLabel('Filter by tag').selectOption('');
    await page.getByRole('navigation').getByRole('button', { name: 'Config' }).click();
  });

  it('fills in per-node variables: the preview for a node shows its own hostname', async () => {
    const { page } = ui;
    await replaceDocument(
      'variant: flatcar\nversion: 1.1.0\nstorage:\n  files:\n    - path: /etc/hostname\n      mode: 0644\n      contents:\n        inline: "{{ hostname }}"\n',
    );
    await expect.poll(() => page.getByRole('status', { name: 'Check result' }).innerText()).toMatch(/valid/);
    await page.getByLabel('Revision message').fill('hostname file');
    await page.getByRole('button', { name: 'Save r4' }).click();
    await page.getByText('Saved r4 of k8s workers').waitFor();
    const preview = page.getByRole('region', { name: 'Preview for a node' });
    const first = await preview.getByLabel('Preview for node').locator('option').nth(1).innerText();
    await preview.getByLabel('Preview for node').selectOption({ label: first });
    await expect.poll(() => preview.getByTestId('node-preview').innerText()).toContain(`data:,${first}`);
    await ui.screenshot('config-node-preview');
  });

  it('checks a Talos config against the upstream schema and flags an unknown field at its line', async () => {
    const { page } = ui;
    await page.getByRole('button', { name: 'New config' }).click();
    const form = page.getByRole('form', { name: 'New config' });
    await form.getByLabel('Name').fill('talos workers');
    await form.getByLabel('Kind').selectOption('talos');
    await form.getByRole('button', { name: 'Create' }).click();
    await expect.poll(() => page.getByRole('status', { name: 'Check result' }).innerText()).toMatch(/valid/);
    const withTypo = 'version: v1alpha1\nmachine:\n  type: worker\n  kubelt:\n    image: x\ncluster:\n  controlPlane:\n    endpoint: https://10.0.10.10:6443\n';
    await replaceDocument(withTypo);
    await page.locator('.cm-lintRange-error').first().waitFor();
    if (schemaAvailable)
      expect(await page.getByRole('list', { name: 'Problems' }).innerText()).toContain('line 4, column 3 (machine.kubelt): unknown field “kubelt”');
    await ui.screenshot('config-talos-unknown-field');
    if (schemaAvailable) {
      // Completion from the schema: the keys that fit in `machine`, with what they mean.
      await replaceDocument('version: v1alpha1\nmachine:\n  type: worker\n  kube');
      await page.keyboard.press('Control+End');
      await page.keyboard.press('Control+Space');
      await page.locator('.cm-tooltip-autocomplete .cm-completionLabel', { hasText: /^kubelet$/ }).waitFor();
      await ui.screenshot('config-talos-completion');
      await page.keyboard.press('Escape');
      await page.locator('[data-testid="editor-Config document"] .cm-line', { hasText: 'type: worker' }).getByText('type').hover();
      await page.locator('.cm-schema-hover').waitFor();
      expect(await page.locator('.cm-schema-hover').innerText()).toMatch(/^type/);
      // A profile names its Talos release; a release with no schema says so.
      await page.getByLabel('Talos version').fill('1.99.0');
      await page.getByLabel('Talos version').press('Enter');
      await page.getByText('Checked against Talos 1.99.0').waitFor();
      await page.mouse.move(5, 5); // let the hover card go
      await page.locator('.cm-schema-hover').waitFor({ state: 'detached' });
      await replaceDocument('version: v1alpha1\nmachine:\n  type: worker\n');
      await expect
        .poll(() =>
          page
            .getByRole('list', { name: 'Problems' })
            .innerText()
            .catch(() => ''),
        )
        .toMatch(/No Talos 1\.99\.0 schema yet/);
      await page.getByLabel('Talos version').fill('1.13.9');
      await page.getByLabel('Talos version').press('Enter');
    }
    await replaceDocument(withTypo.replace('  kubelt:\n    image: x\n', ''));
  });

  it('refuses a second config with the same name, saying why', async () => {
    const { page } = ui;
    await page.getByRole('button', { name: 'New config' }).click();
    const form = page.getByRole('form', { name: 'New config' });
    await form.getByLabel('Name').fill('K8S workers');
    await form.getByRole('button', { name: 'Create' }).click();
    await form.getByText(/A config named “K8S workers” already exists/).waitFor();
    await form.getByRole('button', { name: 'Cancel' }).click();
    expect(ui.errors).toEqual([]);
  });

  it('renames a config without touching its revisions', async () => {
    const { page } = ui;
    await page.getByRole('option', { name: /talos workers/ }).click();
    await page.getByRole('button', { name: 'talos workers' }).click();
    await page.getByLabel('Config name').fill('talos nodes');
    await page.getByLabel('Config name').press('Enter');
    await page.getByRole('option', { name: /talos nodes/ }).waitFor();
    expect(await page.getByRole('button', { name: /^History \(1\)$/ }).count()).toBe(1);
    await page.getByRole('button', { name: 'Format' }).click();
    await ui.screenshot('config-renamed');
    expect(ui.errors).toEqual([]);
  });
  it('switches from a cloud-config, Talos or runbook config to a Butane one without blanking the window', async () => {
    const { page } = ui;
    for (const other of [/Lab: Ubuntu databases/, /Lab: Talos workers/]) {
      await page.getByRole('option', { name: other }).click();
      await expect.poll(() => page.getByRole('status', { name: 'Check result' }).innerText()).toMatch(/valid|error/);
      await page.getByRole('option', { name: /Lab: Flatcar nodes/ }).click();
      await expect.poll(() => page.getByRole('region', { name: 'Compiled Ignition' }).innerText()).toMatch(/Ignition \(spec 3\.\d\.0\)/i);
    }
    expect(await page.getByRole('navigation').count()).toBeGreaterThan(0);
    expect(ui.errors).toEqual([]);
  });

  it('keeps unsaved edits per config when another is selected, and across a reload', async () => {
    const { page } = ui;
    await page.getByRole('option', { name: /Lab: Ubuntu databases/ }).click();
    await expect.poll(() => editor().innerText()).toContain('#cloud-config');
    await replaceDocument('#cloud-config\nhostname: kept-draft\n');
    await expect.poll(() => page.getByText('· edited').count()).toBe(1);
    await page.getByRole('option', { name: /Lab: Flatcar nodes/ }).click();
    await expect.poll(() => editor().innerText()).toContain('variant: flatcar');
    await page.getByRole('option', { name: /Lab: Ubuntu databases/ }).click();
    await expect.poll(() => editor().innerText()).toContain('hostname: kept-draft');
    await page.reload();
    await page.getByRole('navigation').getByRole('button', { name: 'Config' }).click();
    await page.getByRole('option', { name: /Lab: Ubuntu databases/ }).click();
    await expect.poll(() => editor().innerText()).toContain('hostname: kept-draft');
    expect(await page.getByText('· edited').count()).toBe(1);
    await ui.screenshot('config-draft-kept');
  });
  it('opens Schemas… as a dialog with room for its sources, each labelled', async () => {
    const { page } = ui;
    await page.getByRole('button', { name: 'Schemas…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Schemas' });
    await dialog.getByLabel('cloud-init cloud-config').waitFor();
    const box = (await dialog.boundingBox())!;
    expect(box.width).toBeGreaterThan(500);
    expect(await dialog.getByLabel('cloud-init cloud-config').inputValue()).toMatch(/^http/);
    await ui.screenshot('config-schemas-dialog');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'detached' });
  });
});
