/**
 * Static catalog of the embedded lab: metros, facilities, plans and operating systems, shaped like
 * the Metal API v1 objects of the same names (the Metal API v1 OpenAPI document; see docs/architecture.md#providers).
 */
export interface LabMetro {
  id: string;
  code: string;
  name: string;
  country: string;
  facilities: { id: string; code: string; name: string }[];
}

export const LAB_METROS: LabMetro[] = [
  {
    id: '108b2cfb-246b-45e3-885a-bf3e82fce1a0',
    code: 'sv',
    name: 'Silicon Valley',
    country: 'US',
    facilities: [
      { id: '2b70eb8f-fa18-47c0-aba7-222a842362fd', code: 'sv15', name: 'Silicon Valley 15' },
      { id: '0c2f4b07-d48f-4c2e-9b6e-8f1a2a4ec6d1', code: 'sv16', name: 'Silicon Valley 16' },
    ],
  },
  {
    id: 'd3d6b29f-042d-43b7-b3ce-0bf53d5754ca',
    code: 'da',
    name: 'Dallas',
    country: 'US',
    facilities: [
      { id: '8e6470b3-b75e-47d1-bb93-45b225750975', code: 'da11', name: 'Dallas 11' },
      { id: 'b1c6e3c4-3f7e-4d0a-a5f1-58c7c4a3d1e2', code: 'da6', name: 'Dallas 6' },
    ],
  },
  {
    id: '5f0f5f43-4f4a-4c1b-8a5e-6f0e5b3d2a11',
    code: 'am',
    name: 'Amsterdam',
    country: 'NL',
    facilities: [
      { id: '8ea03255-89f9-4e62-9d3f-8817db82ceed', code: 'am6', name: 'Amsterdam 6' },
      { id: '4a1f9c0e-7e55-4c8b-9f0b-2b6f1d8c3e77', code: 'am7', name: 'Amsterdam 7' },
    ],
  },
];

export interface LabPlan {
  id: string;
  slug: string;
  name: string;
  description: string;
  line: string;
  class: string;
}

export const LAB_PLANS: LabPlan[] = [
  {
    id: 'e69c0169-4726-46ea-98f1-939c9e8a3607',
    slug: 'c3.small.x86',
    name: 'c3.small.x86',
    description: '8 cores, 32 GB RAM, 2×480 GB SSD',
    line: 'baremetal',
    class: 'c3.small.x86',
  },
  {
    id: '6d1f1ffa-7912-4b78-b50d-88cc7c8ab40f',
    slug: 'c3.medium.x86',
    name: 'c3.medium.x86',
    description: '24 cores, 64 GB RAM, 2×960 GB SSD',
    line: 'baremetal',
    class: 'c3.medium.x86',
  },
  {
    id: '2a2c6a9e-4c3f-4d6c-9f7a-6e8f2f3b8b21',
    slug: 'm3.large.x86',
    name: 'm3.large.x86',
    description: '32 cores, 256 GB RAM, 2×3.8 TB NVMe',
    line: 'baremetal',
    class: 'm3.large.x86',
  },
  {
    id: '9a3b0c1e-5f0d-4b6a-8e2c-7d4f1a9c3b55',
    slug: 's3.xlarge.x86',
    name: 's3.xlarge.x86',
    description: '24 cores, 192 GB RAM, 12×8 TB HDD',
    line: 'baremetal',
    class: 's3.xlarge.x86',
  },
  {
    id: 'c7e1b2d4-0a9f-4e3c-8b5d-1f6a2e9c4d88',
    slug: 'n3.xlarge.x86',
    name: 'n3.xlarge.x86',
    description: '32 cores, 512 GB RAM, 4×100 Gbps',
    line: 'baremetal',
    class: 'n3.xlarge.x86',
  },
];

export interface LabOperatingSystem {
  id: string;
  slug: string;
  name: string;
  distro: string;
  distro_label: string;
  version: string;
  /** Versions seen in the fleet, newest first: the lab keeps some machines behind. */
  fleetVersions: string[];
  defaultUser: string;
}

export const LAB_OPERATING_SYSTEMS: LabOperatingSystem[] = [
  {
    id: '5b3d2a1c-0f4e-4a8b-9c6d-1e2f3a4b5c60',
    slug: 'flatcar_stable',
    name: 'Flatcar Container Linux - Stable',
    distro: 'flatcar',
    distro_label: 'Flatcar',
    version: '4230.2.3',
    fleetVersions: ['4230.2.3', '4152.2.3', '4081.2.1'],
    defaultUser: 'core',
  },
  {
    id: '6c4e3b2d-1a5f-4b9c-8d7e-2f3a4b5c6d71',
    slug: 'flatcar_beta',
    name: 'Flatcar Container Linux - Beta',
    distro: 'flatcar',
    distro_label: 'Flatcar',
    version: '4285.1.0',
    fleetVersions: ['4285.1.0', '4262.1.1'],
    defaultUser: 'core',
  },
  {
    id: '7d5f4c3e-2b6a-4cad-9e8f-3a4b5c6d7e82',
    slug: 'talos_v1_13',
    name: 'Talos Linux 1.13',
    distro: 'talos',
    distro_label: 'Talos',
    version: '1.13.9',
    fleetVersions: ['1.13.9', '1.13.4'],
    defaultUser: 'root',
  },
  {
    id: '8e6a5d4f-3c7b-4dbe-af9a-4b5c6d7e8f93',
    slug: 'ubuntu_24_04',
    name: 'Ubuntu 24.04 LTS',
    distro: 'ubuntu',
    distro_label: 'Ubuntu',
    version: '24.04',
    fleetVersions: ['24.04'],
    defaultUser: 'root',
  },
  {
    id: '9f7b6e5a-4d8c-4ecf-b0ab-5c6d7e8f9fa4',
    slug: 'ubuntu_22_04',
    name: 'Ubuntu 22.04 LTS',
    distro: 'ubuntu',
    distro_label: 'Ubuntu',
    version: '22.04',
    fleetVersions: ['22.04'],
    defaultUser: 'root',
  },
  {
    id: 'a08c7f6b-5e9d-4fd0-81bc-6d7e8f9fa0b5',
    slug: 'nixos_25_05',
    name: 'NixOS 25.05',
    distro: 'nixos',
    distro_label: 'NixOS',
    version: '25.05',
    fleetVersions: ['25.05', '24.11'],
    defaultUser: 'root',
  },
  {
    id: 'b19d8a7c-6fae-40e1-92cd-7e8f9fa0b1c6',
    slug: 'freebsd_14_2',
    name: 'FreeBSD 14.2',
    distro: 'freebsd',
    distro_label: 'FreeBSD',
    version: '14.2',
    fleetVersions: ['14.2', '14.1'],
    defaultUser: 'root',
  },
];

/** Roles shape hostnames, OS choice, plan and network mode, so the fleet reads like a real one. */
export interface LabRole {
  name: string;
  weight: number;
  os: string[];
  plans: string[];
  /** Share of machines in this role that are layer-2 only (no public or management IP). */
  layer2Share: number;
  tags: string[];
}

export const LAB_ROLES: LabRole[] = [
  {
    name: 'k8s-worker',
    weight: 30,
    os: ['talos_v1_13', 'flatcar_stable', 'flatcar_beta'],
    plans: ['m3.large.x86', 'c3.medium.x86'],
    layer2Share: 0.35,
    tags: ['k8s', 'worker'],
  },
  { name: 'k8s-cp', weight: 8, os: ['talos_v1_13', 'flatcar_stable'], plans: ['c3.small.x86'], layer2Share: 0, tags: ['k8s', 'control-plane'] },
  { name: 'edge', weight: 14, os: ['flatcar_stable', 'flatcar_beta'], plans: ['c3.small.x86', 'n3.xlarge.x86'], layer2Share: 0, tags: ['edge'] },
  { name: 'db', weight: 10, os: ['ubuntu_24_04', 'ubuntu_22_04'], plans: ['m3.large.x86'], layer2Share: 0.5, tags: ['db'] },
  { name: 'ci', weight: 8, os: ['nixos_25_05'], plans: ['c3.medium.x86'], layer2Share: 0, tags: ['ci'] },
  { name: 'storage', weight: 8, os: ['freebsd_14_2', 'ubuntu_24_04'], plans: ['s3.xlarge.x86'], layer2Share: 0.6, tags: ['storage'] },
];

export const LAB_VLANS_PER_METRO = [
  { offset: 0, description: 'k8s-private' },
  { offset: 1, description: 'storage-backplane' },
  { offset: 2, description: 'oob-mgmt' },
];
