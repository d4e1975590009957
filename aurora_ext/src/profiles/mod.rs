//! Profiles & presence: the profile and stats rows that follow `auth.users`.
use crate::platform::spi::{run_kept, text_plan_slot};
use pgrx::prelude::*;
use pgrx::datum::{DatumWithOid, TryFromDatumError};

use crate::platform::TriggerResult;

/// `auth.users` AFTER INSERT OR UPDATE OF email: a new user gets her profile (name and
/// avatar from the sign-up metadata) and her stats row; an email change follows to the
/// profile. SECURITY DEFINER (set in security.sql): GoTrue's role cannot write `public`.
#[pg_trigger]
pub fn handle_new_user<'a>(trigger: &'a PgTrigger<'a>) -> TriggerResult<'a> {
    let new = trigger.new().ok_or(TryFromDatumError::NoSuchAttributeName("NEW".into()))?;
    let id: pgrx::Uuid = new
        .get_by_name("id")?
        .ok_or(TryFromDatumError::NoSuchAttributeName("id".into()))?;
    let email: Option<String> = new.get_by_name("email")?;
    let is_insert = matches!(trigger.op(), Ok(PgTriggerOperation::Insert));
    Spi::connect_mut(|client| {
        if is_insert {
            let meta: Option<pgrx::JsonB> = new.get_by_name("raw_user_meta_data")?;
            let args: [DatumWithOid; 3] = [id.into(), email.into(), meta.into()];
            run_kept(
                client,
                text_plan_slot!(),
                "with profile as (
                     insert into public.profiles (id, full_name, avatar_url)
                     values ($1,
                             left(nullif(btrim(coalesce($3 ->> 'full_name', $3 ->> 'name')), ''), 120),
                             left(nullif(btrim($3 ->> 'avatar_url'), ''), 2048))
                     on conflict (id) do nothing
                     returning id
                 ), account as (
                     insert into public.member_accounts (id, email)
                     select id, $2 from profile
                 )
                 insert into public.user_stats (user_id) values ($1)
                 on conflict (user_id) do nothing",
                &args,
            )
        } else {
            let args: [DatumWithOid; 2] = [id.into(), email.into()];
            run_kept(
                client,
                text_plan_slot!(),
                "update public.member_accounts set email = $2
                  where id = $1 and email is distinct from $2",
                &args,
            )
        }
        .map(|_| ())
        .unwrap_or_else(|e| error!("aurora: handle_new_user: {e}"));
        Ok::<_, TryFromDatumError>(())
    })?;
    Ok(None)
}

#[cfg(any(test, feature = "pg_test"))]
#[pg_schema]
mod tests {
    use pgrx::prelude::*;

    fn new_user(email: &str, meta: &str) -> pgrx::Uuid {
        Spi::get_one_with_args::<pgrx::Uuid>(
            "insert into auth.users (id, email, raw_user_meta_data)
             values (gen_random_uuid(), $1, $2::jsonb) returning id",
            &[email.into(), meta.into()],
        )
        .unwrap()
        .unwrap()
    }

    #[pg_test]
    fn new_user_gets_profile_and_stats() {
        let id = new_user("ines@example.fr", r#"{"full_name": "  Inès Martin  ", "avatar_url": "https://x/a.png"}"#);
        let (name, email, avatar) = Spi::get_three_with_args::<String, String, String>(
            "select full_name, email, avatar_url from public.my_account where id = $1",
            &[id.into()],
        )
        .unwrap();
        assert_eq!(name.as_deref(), Some("Inès Martin"));
        assert_eq!(email.as_deref(), Some("ines@example.fr"));
        assert_eq!(avatar.as_deref(), Some("https://x/a.png"));
        let points = Spi::get_one_with_args::<i32>(
            "select points from public.user_stats where user_id = $1",
            &[id.into()],
        );
        assert_eq!(points, Ok(Some(0)));
    }

    #[pg_test]
    fn new_user_without_metadata_and_overlong_name() {
        let id = new_user("a@example.fr", "null");
        let name = Spi::get_one_with_args::<String>(
            "select full_name from public.profiles where id = $1",
            &[id.into()],
        );
        assert_eq!(name, Ok(None));
        let long = format!(r#"{{"name": "{}"}}"#, "é".repeat(300));
        let id = new_user("b@example.fr", &long);
        let len = Spi::get_one_with_args::<i32>(
            "select char_length(full_name) from public.profiles where id = $1",
            &[id.into()],
        );
        assert_eq!(len, Ok(Some(120)));
    }

    #[pg_test]
    fn email_change_follows_to_profile() {
        let id = new_user("old@example.fr", "{}");
        Spi::run_with_args(
            "update auth.users set email = 'new@example.fr' where id = $1",
            &[id.into()],
        )
        .unwrap();
        let email = Spi::get_one_with_args::<String>(
            "select email from public.member_accounts where id = $1",
            &[id.into()],
        );
        assert_eq!(email, Ok(Some("new@example.fr".to_string())));
    }

    #[pg_test]
    fn updated_at_is_stamped_on_update() {
        let id = new_user("c@example.fr", "{}");
        Spi::run_with_args(
            "update public.profiles set updated_at = '2000-01-01', full_name = 'x' where id = $1",
            &[id.into()],
        )
        .unwrap();
        let fresh = Spi::get_one_with_args::<bool>(
            "select updated_at = now() from public.profiles where id = $1",
            &[id.into()],
        );
        assert_eq!(fresh, Ok(Some(true)));
    }
}
pub mod presence;

crate::native_rpc!(aurora_ensure_profile, pg_finfo_aurora_ensure_profile, | | Ok(ensure_profile().0));

/// Makes sure the caller has her profile and stats rows (members created before aurora
/// was installed have none), then returns her whole profile. Idempotent.
#[pg_extern(schema = "aurora_private", volatile, security_definer)]
#[search_path(pg_catalog, pg_temp)]
fn ensure_profile() -> pgrx::JsonB {
    let me = crate::platform::api::require_user_or_raise();
    Spi::run_with_args(
        "with u as (select id, email, raw_user_meta_data as m from auth.users where id = $1),
              p as (
                 insert into public.profiles (id, full_name, avatar_url)
                 select id,
                        left(nullif(btrim(coalesce(m ->> 'full_name', m ->> 'name')), ''), 120),
                        left(nullif(btrim(m ->> 'avatar_url'), ''), 2048)
                   from u
                 on conflict (id) do nothing
                 returning id
              ), a as (
                 -- her account too, also when only it is missing (a profile written with
                 -- triggers off, as a replica-role restore does)
                 insert into public.member_accounts (id, email)
                 select id, email from u
                 on conflict (id) do nothing
              )
         insert into public.user_stats (user_id) select id from u on conflict (user_id) do nothing",
        &[me.into()],
    )
    .unwrap_or_else(|e| error!("aurora: ensure_profile: {e}"));
    crate::platform::spi::query_one!(
        pgrx::JsonB,
        "select to_jsonb(m) from public.my_account m where m.id = $1",
        &[me.into()],
    )
    .unwrap_or_else(|| {
        crate::platform::error::raise(
            PgSqlErrorCode::ERRCODE_INSUFFICIENT_PRIVILEGE,
            "no account for this token",
            None,
            Some("Compte introuvable."),
        )
    })
}
