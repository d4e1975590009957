//! One rule, one place: the product rules that used to be copied (and drifted) are written
//! in their home only. This reads the extension's source and fails when a copy comes back.
//! (That a limit check runs under the member's lock is the compiler's job: only
//! `freemium::lock_member` can make the `Member` the checks take.)
use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs" || e == "sql") {
            out.push(path);
        }
    }
}

/// (file relative to aurora_ext/src, line number, line) for every line matching any needle.
fn find(needles: &[&str]) -> Vec<(String, usize, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../aurora_ext/src");
    let mut files = Vec::new();
    sources(&root, &mut files);
    let mut hits = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let rel = f.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/");
        for (n, line) in text.lines().enumerate() {
            if needles.iter().any(|needle| line.contains(needle)) {
                hits.push((rel.clone(), n + 1, line.trim().to_string()));
            }
        }
    }
    hits
}

fn only_in(rule: &str, needles: &[&str], homes: &[&str]) {
    let strays: Vec<_> = find(needles).into_iter().filter(|(f, _, _)| !homes.iter().any(|h| f == h)).collect();
    assert!(strays.is_empty(), "{rule} is written outside its home {homes:?}:\n{strays:#?}");
}

#[test]
fn the_entitlement_rule_lives_in_freemium() {
    // who is premium, on a trial or free now: aurora_private.entitlement()
    only_in(
        "the entitlement rule",
        &["subscription_type = '", "subscription_type <> '", "subscription_type != '", "trial_ends_at > now", "trial_ends_at <= now",
          "trial_ends_at < now", "trial_ends_at >= now"],
        &["freemium/api.sql", "freemium/mod.rs"],
    );
}

#[test]
fn the_paris_day_lives_in_freemium() {
    // when daily counters start again: aurora_private.paris_day_changed()
    only_in("the Paris day of the daily limits", &["'Europe/Paris')::date <", "'Europe/Paris')::date >"], &["freemium/api.sql"]);
}

#[test]
fn the_salon_limits_live_in_freemium() {
    only_in(
        "the salon creation and join limits",
        &["freemium_salons_created", "freemium_salons_joined", ".salons_created >=", ".salons_joined >=", "p.salons_created <", "p.salons_joined <"],
        &["freemium/mod.rs", "platform/schema.sql", "platform/api.rs"],
    );
    only_in("the wrong-code limit", &["recent >=", "too many wrong codes"], &["freemium/mod.rs"]);
}

#[test]
fn limits_are_refused_in_their_homes_only() {
    // PT402: freemium's limits, the message quota (one statement with the message's
    // effects, chat/api.rs) and premium lessons (courses)
    only_in("a PT402 refusal", &["ApiError::PaymentRequired("], &["freemium/mod.rs", "chat/api.rs", "courses/mod.rs", "platform/api.rs"]);
}

#[test]
fn the_scanner_sees_the_homes() {
    // the needles above do match where the rules live (a renamed file would make the
    // tests above pass vacuously)
    assert!(find(&["trial_ends_at > now"]).iter().any(|(f, _, _)| f == "freemium/api.sql"));
    assert!(find(&["'Europe/Paris')::date <"]).iter().any(|(f, _, _)| f == "freemium/api.sql"));
    assert!(find(&["freemium_salons_joined"]).iter().any(|(f, _, _)| f == "freemium/mod.rs"));
}

#[test]
fn emails_are_queued_in_one_place() {
    // aurora_private.queue_email() is the one writer of the outbox
    let writers = find(&["insert into public.email_outbox", "insert into email_outbox"]);
    assert_eq!(writers.len(), 1, "one writer of email_outbox: {writers:#?}");
    assert_eq!(writers[0].0, "email/api.sql");
}

#[test]
fn rewards_are_written_by_gamification() {
    // points, levels, streaks, study totals, history, badges and the feed: the gamification
    // module writes them; the message and join paths are its documented same-statement
    // exceptions; profiles only creates the (empty) stats row with the profile
    only_in(
        "a reward write",
        &["update public.user_stats", "insert into public.user_progress_history", "insert into public.user_achievements",
          "insert into public.user_activities"],
        &["gamification/mod.rs", "chat/api.rs", "salons/api.rs"],
    );
    let stats_rows: Vec<_> = find(&["insert into public.user_stats"]).into_iter().map(|(f, _, _)| f).collect();
    assert!(stats_rows.iter().all(|f| f == "profiles/mod.rs"), "the stats row is made with the profile only: {stats_rows:?}");
}
