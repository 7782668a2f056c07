//! Appraisal of SEV-SNP claims against an [`SnpPolicy`] (go-sev-guest `validate` semantics where an
//! option exists there). Only called after the evidence has been verified or failed visibly;
//! every option yields a line, unset options a `skip` that says so.

use super::policy::SnpPolicy;
use crate::policy_util::{allowed, exact, in_list};
use super::product::Product;
use super::report::{policy_bits, Report};
use super::tcb::Tcb;
use crate::appraisal::Checklist;

fn minimum(list: &mut Checklist, id: &str, field: &str, actual: Tcb, min: &Option<Tcb>) {
    match min {
        None => list.skip(id, format!("policy sets no minimum {field}")),
        Some(m) => list.expect(
            id,
            m.le(&actual),
            format!("{field} {} meets the minimum {}", actual.describe(), m.describe()),
            format!("{field} {} is below the minimum {} in at least one component", actual.describe(), m.describe()),
        ),
    }
}

/// Appends one check per policy option.
pub fn appraise(r: &Report, product: Product, p: &SnpPolicy, list: &mut Checklist) {
    let debug = r.policy & policy_bits::DEBUG != 0;
    list.expect(
        "policy.debug",
        !debug || p.allow_debug,
        if debug { "POLICY.DEBUG is set and the policy allows debug" } else { "POLICY.DEBUG is 0: the guest cannot be debugged by the host" },
        "POLICY.DEBUG is 1: the host can read and write guest memory with the debug API; the policy forbids debug guests (allow_debug)",
    );
    let ma = r.policy & policy_bits::MIGRATE_MA != 0;
    list.expect(
        "policy.migrate_ma",
        !ma || p.allow_migrate_ma,
        if ma { "POLICY.MIGRATE_MA is set and the policy allows a migration agent" } else { "POLICY.MIGRATE_MA is 0: no migration agent" },
        "POLICY.MIGRATE_MA is 1: a migration agent may be associated with the guest; the policy forbids it (allow_migrate_ma)",
    );

    let tcb = |raw| Tcb::decode(raw, product);
    let (current, committed) = (tcb(r.current_tcb), tcb(r.committed_tcb));
    let ver = |(b, mi, ma): (u8, u8, u8)| format!("{ma}.{mi}.{b}");
    if p.permit_provisional_firmware {
        list.expect(
            "policy.firmware",
            committed.le(&current),
            format!("COMMITTED_TCB {} <= CURRENT_TCB {} (provisional firmware permitted)", committed.describe(), current.describe()),
            format!("COMMITTED_TCB {} is above CURRENT_TCB {}", committed.describe(), current.describe()),
        );
    } else {
        let same = committed == current && r.committed_version == r.current_version;
        list.expect(
            "policy.firmware",
            same,
            format!("COMMITTED_TCB equals CURRENT_TCB ({}) and firmware {} is committed", current.describe(), ver(r.current_version)),
            format!(
                "provisional firmware: CURRENT_TCB {} (firmware {}) differs from COMMITTED_TCB {} (firmware {}); the policy requires committed firmware (permit_provisional_firmware)",
                current.describe(),
                ver(r.current_version),
                committed.describe(),
                ver(r.committed_version)
            ),
        );
    }
    minimum(list, "policy.minimum_tcb", "REPORTED_TCB", tcb(r.reported_tcb), &p.minimum_tcb);
    minimum(list, "policy.minimum_launch_tcb", "LAUNCH_TCB", tcb(r.launch_tcb), &p.minimum_launch_tcb);
    match p.minimum_guest_svn {
        None => list.skip("policy.minimum_guest_svn", "policy sets no minimum GUEST_SVN"),
        Some(m) => list.expect(
            "policy.minimum_guest_svn",
            r.guest_svn >= m,
            format!("GUEST_SVN {} >= {m}", r.guest_svn),
            format!("GUEST_SVN {} is below the minimum {m}", r.guest_svn),
        ),
    }
    match p.minimum_build {
        None => list.skip("policy.minimum_build", "policy sets no minimum CURRENT_BUILD"),
        Some(m) => list.expect(
            "policy.minimum_build",
            r.current_version.0 >= m,
            format!("CURRENT_BUILD {} >= {m}", r.current_version.0),
            format!("CURRENT_BUILD {} is below the minimum {m}", r.current_version.0),
        ),
    }
    allowed(list, "policy.measurement", "MEASUREMENT", &r.measurement, &p.measurements);
    exact(list, "policy.report_data", "REPORT_DATA", &r.report_data, &p.report_data);
    exact(list, "policy.host_data", "HOST_DATA", &r.host_data, &p.host_data);
    exact(list, "policy.chip_id", "CHIP_ID", &r.chip_id, &p.chip_id);
    exact(list, "policy.family_id", "FAMILY_ID", &r.family_id, &p.family_id);
    exact(list, "policy.image_id", "IMAGE_ID", &r.image_id, &p.image_id);
    match p.vmpl {
        None => list.skip("policy.vmpl", format!("policy sets no VMPL (report VMPL is {})", r.vmpl)),
        Some(v) => list.expect("policy.vmpl", r.vmpl == v, format!("VMPL is {v}"), format!("VMPL {} differs from the required {v}", r.vmpl)),
    }
    if p.require_author_key || r.author_key_en() {
        list.expect(
            "policy.author_key",
            r.author_key_en(),
            "AUTHOR_KEY_EN is 1: the ID block was signed by an author key",
            "AUTHOR_KEY_EN is 0 but the policy requires an author key (require_author_key)",
        );
    } else {
        list.skip("policy.author_key", "policy does not require an author key and AUTHOR_KEY_EN is 0");
    }
    id_keys(r, p, list);
}

/// ID key trust: the ID key digest is trusted directly, or via a trusted author key (go-sev-guest
/// TrustedIDKeyHashes / TrustedAuthorKeyHashes).
fn id_keys(r: &Report, p: &SnpPolicy, list: &mut Checklist) {
    let (ids, authors) = (&p.trusted_id_key_hashes, &p.trusted_author_key_hashes);
    if ids.is_none() && authors.is_none() {
        list.skip("policy.id_key", "policy names no trusted ID or author keys");
        return;
    }
    let by_id = ids.as_deref().map(|l| in_list(&r.id_key_digest, l)).unwrap_or(false);
    let by_author = r.author_key_en() && authors.as_deref().map(|l| in_list(&r.author_key_digest, l)).unwrap_or(false);
    list.expect(
        "policy.id_key",
        by_id || by_author,
        if by_id {
            format!("ID_KEY_DIGEST {} is a trusted ID key", hex::encode(r.id_key_digest))
        } else {
            format!("AUTHOR_KEY_DIGEST {} is a trusted author key", hex::encode(r.author_key_digest))
        },
        format!(
            "neither ID_KEY_DIGEST {} nor AUTHOR_KEY_DIGEST {} (AUTHOR_KEY_EN={}) is trusted by the policy",
            hex::encode(r.id_key_digest),
            hex::encode(r.author_key_digest),
            r.author_key_en() as u8
        ),
    );
}
