"""`npm run bench` peer: NVIDIA's Python verifier (nv-local-gpu-verifier) appraising the bench's
NVIDIA case (H100 attestation report, device certificate chain, driver and VBIOS RIMs) in an
in-process loop. It is not part of Custodian; scripts/bench.ts installs the package (requirements.txt)
into bench/peers/nvidia-verifier/.venv on first use and runs this file with that venv's python.

Usage: python driver.py SECONDS UNIX_TIME REPORT_HEX CHAIN_PEM DRIVER_RIM VBIOS_RIM NONCE_HEX

Each iteration starts from the bytes and runs NVIDIA's own classes in the order cc_admin.attest()
uses them for one GPU (verifier/cc_admin.py, nv-local-gpu-verifier 2.7.3):
  1. AttestationReport(report, HopperSettings())          SPDM GET_MEASUREMENTS request+response parse
  2. GpuCertificateChains(TestHandle(chain_pem))          the chain as cc_admin's test mode feeds it: the
                                                          last PEM is replaced by their bundled
                                                          verifier_device_root.pem
  3. CcAdminUtils.verify_gpu_certificate_chain            FWID of the leaf = the report's FWID, then the
                                                          X509Store chain to the device root
  4. CcAdminUtils.verify_attestation_report               nonce, driver and VBIOS versions (taken from
                                                          the report: no NVML here), then the ECDSA
                                                          P-384 report signature by the leaf
  5. RIM(driver) / RIM(vbios) and RIM.verify              XML parse, swid schema (their XSD), version,
                                                          RIM chain to their bundled verifier_RIM_root.pem,
                                                          XMLDSig (signxml) against that root
  6. Verifier(report, driver_rim, vbios_rim).verify       golden vs runtime measurements
What is left out, because it needs the network: OCSP (CcAdminUtils.ocsp_certificate_chain_validation
is replaced by a stub that answers "good"), and fetching RIMs from the RIM service (the local RIM
files are used, as cc_admin does with --driver_rim/--vbios_rim).

The reference time: both X509Store kinds their code uses (crypto.X509Store() in cc_admin_utils and the
SSL context store signxml builds) get set_time(UNIX_TIME), so the certificates are judged at the
bench's reference time and not at the wall clock (RIM signing certificates expire).

The process chdirs to a fresh temporary directory before importing the package: its config module
writes verifier.log into the working directory (their DEBUG event log stays on; it is part of their
per-verification cost). The console log (info_log, stdout) is raised to WARNING so that stdout
carries only the result line.

After 3 warm-up iterations it loops for SECONDS and prints one JSON line:
{"per_second", "iterations", "ok", "error"?}; ok is the verifier's own verdict on the case (every
step above passed). Exit 0 whenever the loop ran (ok false included), 1 when it could not.
"""
import json
import logging
import os
import sys
import tempfile
import time
from datetime import datetime, timezone


def emit(result):
    print(json.dumps(result), flush=True)


def main(argv):
    if len(argv) != 8:
        emit({"per_second": 0, "iterations": 0, "ok": False,
              "error": "usage: driver.py SECONDS UNIX_TIME REPORT_HEX CHAIN_PEM DRIVER_RIM VBIOS_RIM NONCE_HEX"})
        return 1
    seconds = float(argv[1])
    at = datetime.fromtimestamp(float(argv[2]), tz=timezone.utc)
    report_path, chain_path, driver_rim_path, vbios_rim_path = (os.path.abspath(p) for p in argv[3:7])
    nonce_hex = argv[7]

    os.chdir(tempfile.mkdtemp(prefix="custodian-bench-nvidia-"))

    from OpenSSL import SSL, crypto

    # Reference time for every X509Store their code (and signxml's) builds.
    original_store_init = crypto.X509Store.__init__

    def store_init(self, *args, **kwargs):
        original_store_init(self, *args, **kwargs)
        self.set_time(at)

    crypto.X509Store.__init__ = store_init
    original_get_cert_store = SSL.Context.get_cert_store

    def get_cert_store(self):
        store = original_get_cert_store(self)
        if store is not None:
            store.set_time(at)
        return store

    SSL.Context.get_cert_store = get_cert_store

    from verifier.attestation import AttestationReport
    from verifier.cc_admin_utils import CcAdminUtils
    from verifier.config import GPU_ARCHITECTURE_MAP, HopperSettings, info_log
    from verifier.nvml.gpu_cert_chains import GpuCertificateChains
    from verifier.nvml.test_handle import TestHandle
    from verifier.rim import RIM
    from verifier.utils import format_vbios_version
    from verifier.verifier import Verifier

    info_log.setLevel(logging.WARNING)
    # Offline: OCSP is not asked; every certificate counts as good.
    CcAdminUtils.ocsp_certificate_chain_validation = staticmethod(
        lambda cert_chain, settings, mode: (True, "", "good (OCSP skipped: offline bench)", None))

    with open(report_path, "r", encoding="ascii") as f:
        report = bytes.fromhex(f.read().strip())
    with open(chain_path, "rb") as f:
        chain_pem = f.read()

    def verify_once():
        """One appraisal; returns None when every step passed, else the first failure's reason."""
        settings = HopperSettings()
        nonce = CcAdminUtils.validate_and_extract_nonce(nonce_hex)
        report_obj = AttestationReport(report, settings)
        if report_obj.get_response_message() is None:
            return "report parse"
        opaque = report_obj.get_response_message().get_opaque_data()
        chain = GpuCertificateChains(TestHandle(chain_pem)).GpuAttestationCertificateChain
        fwid = opaque.get_data("OPAQUE_FIELD_ID_FWID").hex()
        chain_ok, expired, _ = CcAdminUtils.verify_gpu_certificate_chain(chain, settings, fwid)
        if not chain_ok:
            return f"device certificate chain ({'expired' if expired else 'invalid'})"
        driver_version = opaque.get_data("OPAQUE_FIELD_ID_DRIVER_VERSION").decode().rstrip("\0")
        vbios_version = format_vbios_version(opaque.get_data("OPAQUE_FIELD_ID_VBIOS_VERSION")).lower()
        if not CcAdminUtils.verify_attestation_report(report_obj, chain[0], nonce, driver_version,
                                                      vbios_version, settings):
            return "attestation report"
        driver_rim = RIM(rim_name="driver", settings=settings, rim_path=driver_rim_path)
        ok, _ = driver_rim.verify(version=driver_version, settings=settings)
        if not ok:
            return "driver RIM"
        vbios_rim = RIM(rim_name="vbios", settings=settings, rim_path=vbios_rim_path)
        ok, _ = vbios_rim.verify(version=vbios_version, settings=settings)
        if not ok:
            return "VBIOS RIM"
        if not Verifier(report_obj, driver_rim, vbios_rim, settings).verify(settings):
            return "measurements do not match the RIMs' golden values"
        return None

    def attempt():
        try:
            return verify_once()
        except Exception as e:  # their checks raise on failure (NonceMismatchError, RIM…Error, …)
            return f"{type(e).__name__}: {str(e).strip()}"

    assert GPU_ARCHITECTURE_MAP[9].__class__ is HopperSettings
    error = None
    for _ in range(3):
        error = attempt()
    n = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        error = attempt() or error
        n += 1
    elapsed = time.perf_counter() - start
    out = {"per_second": n / elapsed, "iterations": n, "ok": error is None}
    if error is not None:
        out["error"] = error
    emit(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
