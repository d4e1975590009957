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

mod platform;

pub mod chat;
pub mod courses;
pub mod gamification;
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
    "salons/security.sql",
    name = "salons_security",
    requires = [
        "gamification_schema",
        salons::generate_share_code,
        salons::salon_created,
        salons::salon_member_counters,
        profiles::set_updated_at
    ]
);
extension_sql_file!(
    "profiles/security.sql",
    name = "profiles_security",
    requires = ["salons_security", profiles::handle_new_user, profiles::set_updated_at]
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
