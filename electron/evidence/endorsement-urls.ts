/**
 * Where a missing endorsement can be fetched on a connected machine. The AMD KDS VCEK URL is derived
 * by the core (claim `kds_vcek_url`, wasm/src/snp/mod.rs); the NVIDIA RIM service URL is its base
 * (NVIDIA nvtrust `RIM_SERVICE_URL`, https://rim.attestation.nvidia.com/v1/rim/) and the RIM id the
 * core derives from the report (device claim `rim_ids`).
 */

/** NVIDIA's RIM service: `GET {base}{id}` returns `{id, rim: base64(SWID XML), sha256}`, which `--rim` reads as is. */
export const NVIDIA_RIM_SERVICE = 'https://rim.attestation.nvidia.com/v1/rim/';

/** The RIM service URL of RIM `id` (e.g. `NV_GPU_DRIVER_GH100_545.00`). */
export const rimUrl = (id: string): string => `${NVIDIA_RIM_SERVICE}${encodeURIComponent(id)}`;
