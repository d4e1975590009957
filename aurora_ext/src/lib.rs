//! aurora: the backend of Aurora50 as a PostgreSQL extension.
//!
//! This file is the table of contents. Each domain is a folder holding its SQL objects
//! (`schema.sql`: tables and indexes; `security.sql`: triggers, views, policies) beside
//! its Rust functions. The SQL is emitted in this order:
//!
//! 1. `platform/bootstrap.sql` — checks that Supabase's `auth` schema and roles exist;
//! 2. each domain's `schema.sql`;
//! 3. the Rust functions (`#[pg_extern]`, `#[pg_trigger]`);
//! 4. each domain's `security.sql`, which needs both;
//! 5. `platform/finalize.sql` — grants, `pg_extension_config_dump`, realtime, storage.
use pgrx::prelude::*;

::pgrx::pg_module_magic!(name, version);

/// Settings (GUCs) and, when preloaded, the presence sweep worker (jobs/mod.rs).
#[pg_guard]
pub extern "C-unwind" fn _PG_init() {
    jobs::init();
}

/// Cross-domain plumbing; imports no domain.
mod platform;
/// The clock-driven work, above the domains.
mod jobs;
/// `#[pg_test]`s of what no single domain owns.
#[cfg(any(test, feature = "pg_test"))]
mod tests;

/// `aurora_private` holds the Rust cores of the API functions. PostgREST exposes `public`
/// only; the public wrappers (SQL) turn a core's error value into the SQLSTATE PostgREST
/// maps to an HTTP status (PT402, PT404, PT429…): see platform/api.rs.
#[pg_schema]
mod aurora_private {}

pub mod billing;
pub mod chat;
pub mod courses;
pub mod freemium;
pub mod gamification;
pub mod privacy;
pub mod profiles;
pub mod salons;

extension_sql_file!("platform/bootstrap.sql", name = "bootstrap", bootstrap);
extension_sql_file!("profiles/schema.sql", name = "profiles_schema", requires = ["bootstrap"]);
extension_sql_file!("salons/schema.sql", name = "salons_schema", requires = ["profiles_schema"]);
extension_sql_file!("chat/schema.sql", name = "chat_schema", requires = ["salons_schema"]);
extension_sql_file!("courses/schema.sql", name = "courses_schema", requires = ["chat_schema"]);
extension_sql_file!(
    "gamification/schema.sql",
    name = "gamification_schema",
    requires = ["courses_schema"]
);
extension_sql_file!(
    "platform/schema.sql",
    name = "platform_schema",
    requires = ["gamification_schema"]
);
extension_sql_file!("email/schema.sql", name = "email_schema", requires = ["platform_schema"]);
extension_sql_file!("billing/schema.sql", name = "billing_schema", requires = ["email_schema"]);
extension_sql_file!("privacy/schema.sql", name = "privacy_schema", requires = ["billing_schema", aurora_private]);
extension_sql_file!(
    "salons/security.sql",
    name = "salons_security",
    requires = [
        "billing_schema",
        salons::generate_share_code,
        salons::salon_created,
        salons::salon_member_counters,
        platform::triggers::set_updated_at
    ]
);
extension_sql_file!(
    "profiles/security.sql",
    name = "profiles_security",
    requires = ["salons_security", aurora_private, profiles::handle_new_user, platform::triggers::set_updated_at]
);
extension_sql_file!(
    "chat/security.sql",
    name = "chat_security",
    requires = ["profiles_security", chat::chat_message_counters, chat::reaction_fill_salon]
);
extension_sql_file!("courses/security.sql", name = "courses_security", requires = ["chat_security"]);
extension_sql_file!(
    "gamification/security.sql",
    name = "gamification_security",
    requires = ["courses_security"]
);
extension_sql_file!(
    "platform/api.sql",
    name = "platform_api",
    requires = ["gamification_security", chat::api::claim_message_quota]
);
extension_sql_file!(
    "freemium/api.sql",
    name = "freemium_api",
    requires = ["platform_api", freemium::start_trial_core, freemium::record_profile_view_core]
);
extension_sql_file!(
    "salons/api.sql",
    name = "salons_api",
    requires = [
        "freemium_api",
        salons::api::create_salon_with_code_core,
        salons::api::join_salon_via_code_core,
        salons::api::create_salon_invitation_core,
        salons::api::accept_salon_invitation_core,
        salons::api::leave_salon_core,
        salons::api::set_member_role_core
    ]
);
extension_sql_file!(
    "chat/api.sql",
    name = "chat_api",
    requires = [
        "salons_api",
        chat::api::claim_message_quota,
        chat::api::delete_message_core,
        chat::api::get_reply_message_info_core,
        chat::api::toggle_message_reaction_core,
        chat::api::handle_message_reaction_core
    ]
);
extension_sql_file!(
    "courses/api.sql",
    name = "courses_api",
    requires = [
        "chat_api",
        courses::get_lesson_content_core,
        courses::start_course_core,
        courses::update_lesson_progress_core,
        courses::get_course_lessons
    ]
);
extension_sql_file!(
    "billing/security.sql",
    name = "billing_security",
    requires = ["courses_api", billing::apply_stripe_event]
);
extension_sql_file!("email/api.sql", name = "email_api", requires = ["billing_security"]);
extension_sql_file!(
    "privacy/api.sql",
    name = "privacy_api",
    requires = ["email_api", privacy::redact_stripe_payload, privacy::export_my_data, privacy::delete_my_account]
);
extension_sql_file!(
    "profiles/api.sql",
    name = "profiles_api",
    requires = [
        "privacy_api",
        profiles::ensure_profile,
        profiles::presence::update_user_activity,
        profiles::presence::rpc_update_activity,
        profiles::presence::handle_user_signin,
        profiles::presence::handle_user_signout,
        profiles::presence::rpc_set_manual_status
    ]
);
extension_sql_file!(
    "gamification/api.sql",
    name = "gamification_api",
    requires = ["profiles_api", gamification::api::get_leaderboard]
);
extension_sql_file!("platform/finalize.sql", name = "finalize", finalize);

#[cfg(test)]
pub mod pg_test {
    pub fn setup(_options: Vec<&str>) {}

    #[must_use]
    pub fn postgresql_conf_options() -> Vec<&'static str> {
        // CREATE EXTENSION runs in a database the harness just made, with no Supabase
        // environment: let bootstrap.sql load ours (see platform/bootstrap.sql).
        // scripts/test.sh puts a copy where the postgres user can read it.
        let file = std::env::var("AURORA_TEST_SUPABASE_ENV_FILE").unwrap_or_else(|_| {
            concat!(env!("CARGO_MANIFEST_DIR"), "/../sql/supabase_env.sql").to_string()
        });
        let option: &'static str =
            Box::leak(format!("aurora.test_supabase_env_file = '{file}'").into_boxed_str());
        vec![option]
    }
}
