// Command go-sev-guest-bench is an `npm run bench` peer: Google's go-sev-guest verifying and
// validating the bench's SEV-SNP case in an in-process loop. It is not part of Custodian.
//
// Usage: go-sev-guest-bench SECONDS RFC3339_TIME REPORT CHAIN_PEM CRL_DER
//
// REPORT is a bare 1184-byte attestation report, or a report followed by its certificate table;
// CHAIN_PEM holds the VCEK, ASK and ARK (any order, told apart by their subject CN); CRL_DER is the
// product's VCEK CRL, served to go-sev-guest by a Getter that never touches the network.
//
// Every iteration starts from the bytes, as Custodian's verify does: it parses the report
// (abi.ReportToProto, or abi.ReportCertsToProto when a certificate table follows), builds the certificate chain and the trusted ASK/ARK
// (trust.AMDRootCerts.Decode, a fresh one each time so go-sev-guest's own CRL cache on the root is
// not reused), runs verify.SnpAttestation (chain to the trusted ARK, CRL signed by the ARK and the
// ASK not revoked, report signature by the VCEK, all at the reference time) and then
// validate.SnpAttestation with permissive options (any guest policy, provisional firmware allowed,
// nothing else required: the V[CL]EK TCB must still equal the reported TCB and CHIP_ID the VCEK's
// HWID). After 10 warm-up iterations it loops for SECONDS and prints one JSON line:
// {"per_second", "iterations", "ok", "error"?}; ok is go-sev-guest's own verdict on the case.
package main

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-sev-guest/abi"
	spb "github.com/google/go-sev-guest/proto/sevsnp"
	"github.com/google/go-sev-guest/validate"
	"github.com/google/go-sev-guest/verify"
	"github.com/google/go-sev-guest/verify/trust"
)

type result struct {
	PerSecond  float64 `json:"per_second"`
	Iterations int     `json:"iterations"`
	OK         bool    `json:"ok"`
	Error      string  `json:"error,omitempty"`
}

func emit(r result) {
	b, _ := json.Marshal(r)
	fmt.Println(string(b))
}

func fail(format string, args ...any) {
	emit(result{Error: fmt.Sprintf(format, args...)})
	os.Exit(1)
}

// crlGetter serves the local CRL for any CRL distribution point and refuses everything else.
type crlGetter struct{ crl []byte }

func (g crlGetter) Get(url string) ([]byte, error) {
	if strings.HasSuffix(url, "/crl") {
		return g.crl, nil
	}
	return nil, fmt.Errorf("offline: no %s", url)
}

// chain is the PEM file's certificates, DER, by role.
type chain struct{ vcek, ask, ark []byte }

func splitChain(pems []byte) (chain, error) {
	var c chain
	for {
		var b *pem.Block
		b, pems = pem.Decode(pems)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return c, err
		}
		switch cn := cert.Subject.CommonName; {
		case strings.HasPrefix(cn, "ARK-"):
			c.ark = b.Bytes
		case cn == "SEV-VCEK" || cn == "SEV-VLEK":
			c.vcek = b.Bytes
		case strings.HasPrefix(cn, "SEV-"):
			c.ask = b.Bytes
		}
	}
	if c.vcek == nil || c.ask == nil || c.ark == nil {
		return c, fmt.Errorf("the chain needs a VCEK, an ASK and an ARK (found vcek=%t ask=%t ark=%t)", c.vcek != nil, c.ask != nil, c.ark != nil)
	}
	return c, nil
}

// permissive accepts any guest policy and provisional firmware, and requires nothing else.
var permissive = &validate.Options{
	GuestPolicy: abi.SnpPolicy{
		SMT: true, MigrateMA: true, Debug: true, CXLAllowed: true,
	},
	PermitProvisionalFirmware: true,
}

// once verifies and validates the case from its bytes.
func once(report []byte, c chain, crl []byte, now time.Time) error {
	var att *spb.Attestation
	if len(report) == abi.ReportSize {
		// A bare report: abi.ReportCertsToProto would also work, but logs a warning on every call
		// for the empty certificate table, which would be timed too.
		proto, err := abi.ReportToProto(report)
		if err != nil {
			return fmt.Errorf("report: %v", err)
		}
		att = &spb.Attestation{Report: proto, CertificateChain: &spb.CertificateChain{}}
	} else {
		var err error
		if att, err = abi.ReportCertsToProto(report); err != nil {
			return fmt.Errorf("report: %v", err)
		}
		if att.CertificateChain == nil {
			att.CertificateChain = &spb.CertificateChain{}
		}
	}
	att.CertificateChain.VcekCert = c.vcek
	att.CertificateChain.AskCert = c.ask
	att.CertificateChain.ArkCert = c.ark
	root := trust.AMDRootCertsProduct("Milan")
	if err := root.Decode(c.ask, c.ark); err != nil {
		return fmt.Errorf("trusted roots: %v", err)
	}
	opts := &verify.Options{
		CheckRevocations:    true,
		DisableCertFetching: true,
		Getter:              crlGetter{crl},
		Now:                 now,
		TrustedRoots:        map[string][]*trust.AMDRootCerts{"Milan": {root}},
	}
	if err := verify.SnpAttestation(att, opts); err != nil {
		return fmt.Errorf("verify: %v", err)
	}
	if err := validate.SnpAttestation(att, permissive); err != nil {
		return fmt.Errorf("validate: %v", err)
	}
	return nil
}

func main() {
	if len(os.Args) != 6 {
		fmt.Fprintf(os.Stderr, "usage: %s SECONDS RFC3339_TIME REPORT CHAIN_PEM CRL_DER\n", os.Args[0])
		os.Exit(2)
	}
	seconds, err := strconv.ParseFloat(os.Args[1], 64)
	if err != nil {
		fail("SECONDS: %v", err)
	}
	now, err := time.Parse(time.RFC3339, os.Args[2])
	if err != nil {
		fail("time: %v", err)
	}
	read := func(p string) []byte {
		b, err := os.ReadFile(p)
		if err != nil {
			fail("%v", err)
		}
		return b
	}
	report, pems, crl := read(os.Args[3]), read(os.Args[4]), read(os.Args[5])
	c, err := splitChain(pems)
	if err != nil {
		fail("%s: %v", os.Args[4], err)
	}

	// The verdict first: a peer that fails the case is no comparison (the loop still runs).
	r := result{OK: true}
	if err := once(report, c, crl, now); err != nil {
		r.OK, r.Error = false, err.Error()
	}
	for i := 0; i < 10; i++ {
		_ = once(report, c, crl, now)
	}
	limit := time.Duration(seconds * float64(time.Second))
	start := time.Now()
	n := 0
	for time.Since(start) < limit {
		_ = once(report, c, crl, now)
		n++
	}
	r.Iterations = n
	r.PerSecond = float64(n) / time.Since(start).Seconds()
	emit(r)
}
