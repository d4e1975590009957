//! Salon RPCs: create with a share code, join by code (rate limited), invitations,
//! leaving (with hand-over) and roles. Cores live in aurora_private; see salons/api.sql.
use crate::freemium;
use crate::gamification::{award_badge, record_activity};
use crate::platform::api::{optional_text, require_user, required_text, respond, settings, ApiError, ApiResult};
use crate::platform::native::Row;
use crate::platform::spi::{query_one, run_kept, text_plan_slot};
use pgrx::datum::DatumWithOid;
use pgrx::prelude::*;
use pgrx::JsonB;
use serde_json::{json, Value};

/// A salon as its member sees it (`salon_answer`): the directory's fields, its share code,
/// her role; formed by SQL as the type, returned as it is.
fn salon_row(salon: pgrx::Uuid, me: pgrx::Uuid) -> Row {
    crate::platform::spi::row_one!(
        "select row(d.id, d.name, d.description, d.avatar_url, d.category, d.city, d.color_theme, d.owner_id,
                    d.is_active, d.member_count, d.message_count, d.created_at, d.updated_at, d.owner_name,
                    d.owner_avatar, d.actual_member_count, d.messages_today, c.share_code, m.role,
                    m.joined_at)::public.salon_answer
           from public.salons_with_details d
           left join public.salon_share_codes c on c.salon_id = d.id
           left join public.salon_members m on m.salon_id = d.id and m.user_id = $2
          where d.id = $1",
        &[salon.into(), me.into()],
    )
}

/// Makes `me` a member, within her freemium join limit (checked under her lock: parallel
/// joins of hers are decided one after the other); a concurrent join of hers is fine.
fn add_member(salon: pgrx::Uuid, me: pgrx::Uuid) -> Result<(), ApiError> {
    let member = freemium::lock_member(me)?;
    freemium::may_join_salon(&member)?;
    insert_member(salon, me);
    Ok(())
}

/// The membership and, when it is new, the "salon joined" activity: one statement (a
/// documented exception to gamification writing the feed: the join path is benchmarked).
fn insert_member(salon: pgrx::Uuid, me: pgrx::Uuid) {
    crate::platform::spi::exec!(
        "with m as (insert into public.salon_members (salon_id, user_id) values ($1, $2)
                    on conflict (salon_id, user_id) do nothing
                    returning 1)
         insert into public.user_activities (user_id, type, title, icon, metadata)
         select $2, 'salon_joined', 'Nouveau salon rejoint', '🤝', jsonb_build_object('salon_id', $1::text)
           from m",
        &[salon.into(), me.into()],
    )
    .unwrap_or_else(|e| error!("aurora: {e}"));
}

fn valid_color(color: &str) -> bool {
    color.len() == 7 && color.starts_with('#') && color[1..].chars().all(|c| c.is_ascii_hexdigit())
}

fn create_salon(
    name: Option<String>,
    description: Option<String>,
    category: Option<String>,
    city: Option<String>,
    color_theme: Option<String>,
) -> Result<Row, ApiError> {
    let me = require_user()?;
    let name = required_text(name, "name", 80)?;
    let description = optional_text(description, "description", 1000)?;
    let category = optional_text(category, "category", 50)?;
    let city = optional_text(city, "city", 120)?;
    let color = optional_text(color_theme, "color_theme", 7)?.unwrap_or_else(|| "#8B5CF6".into());
    if !valid_color(&color) {
        return Err(ApiError::Invalid("color_theme must be #rrggbb".into(), "Couleur invalide."));
    }
    // under her lock: parallel creations of hers are counted one after the other
    freemium::may_create_salon(&freemium::lock_member(me)?)?;
    // its share code comes with it (trigger salons_share_code)
    let Some(salon) = query_one!(pgrx::Uuid,
        "insert into public.salons (name, description, category, city, color_theme, owner_id)
         values ($1, $2, $3, $4, $5, $6)
         returning id",
        &[
            name.clone().into(),
            description.clone().into(),
            category.clone().into(),
            city.clone().into(),
            color.clone().into(),
            me.into(),
        ],
    ) else {
        error!("aurora: the new salon has no id")
    };
    award_badge(me, "salon_founder");
    record_activity(me, "salon_created", &format!("Salon créé : {name}"), "🏛️", json!({ "salon_id": salon.to_string() }));
    Ok(salon_row(salon, me))
}

crate::native_rpc!(
    aurora_create_salon_with_code,
    pg_finfo_aurora_create_salon_with_code,
    |name: String, description: String, category: String, city: String, color_theme: String| {
        create_salon(name, description, category, city, color_theme)
    }
);

#[pg_extern(schema = "aurora_private", name = "create_salon_with_code", volatile, security_definer)]
#[search_path(pg_catalog, pg_temp)]
fn create_salon_with_code_core(
    name: Option<String>,
    description: Option<String>,
    category: Option<String>,
    city: Option<String>,
    color_theme: Option<String>,
) -> JsonB {
    respond(create_salon(name, description, category, city, color_theme).map(|r| r.to_json()))
}

/// Codes are shown in groups and typed by hand: ignore case, spaces and dashes.
fn normalize_code(code: &str) -> String {
    code.chars().filter(|c| !c.is_whitespace() && *c != '-').flat_map(char::to_uppercase).collect()
}

fn join_salon(code: Option<String>) -> Result<Row, ApiError> {
    let me = require_user()?;
    let code = normalize_code(code.as_deref().unwrap_or(""));
    if code.is_empty() || code.chars().count() > 32 {
        return Err(ApiError::Invalid("code must be 1 to 32 characters".into(), "Code invalide."));
    }
    // Her lock first: her wrong codes and joins are then counted one request at a time.
    let member = freemium::lock_member(me)?;
    // One read: her recent wrong codes, the window, the salon and her membership.
    struct Join {
        recent: i64,
        per_window: i32,
        window_seconds: i32,
        salon: Option<pgrx::Uuid>,
        role: Option<String>,
    }
    let j = Spi::connect_mut(|client| {
        let args: [DatumWithOid; 2] = [me.into(), code.as_str().into()];
        let t = run_kept(
            client,
            text_plan_slot!(),
            "select (select count(*) from public.salon_join_attempts a
                      where a.user_id = $1
                        and a.attempted_at > now() - make_interval(secs => st.join_attempt_window_seconds)),
                    st.join_attempts_per_window, st.join_attempt_window_seconds, s.id, m.role::text
               from public.aurora_settings st
               left join (public.salon_share_codes c join public.salons s on s.id = c.salon_id and s.is_active)
                      on c.share_code = $2
               left join public.salon_members m on m.salon_id = s.id and m.user_id = $1",
            &args,
        )
        .unwrap_or_else(|e| error!("aurora: join_salon_via_code: {e}"));
        if t.is_empty() {
            error!("aurora: aurora_settings has no row");
        }
        let r = t.first();
        Join {
            recent: r.get::<i64>(1).ok().flatten().unwrap_or(0),
            per_window: r.get::<i32>(2).ok().flatten().unwrap_or(0),
            window_seconds: r.get::<i32>(3).ok().flatten().unwrap_or(0),
            salon: r.get::<pgrx::Uuid>(4).ok().flatten(),
            role: r.get::<String>(5).ok().flatten(),
        }
    });
    freemium::may_try_a_code(j.recent, j.per_window, j.window_seconds)?;
    let Some(salon) = j.salon else {
        // Not an error: an error would roll back the attempt we must count.
        crate::platform::spi::exec!(
            "with old as (
                 delete from public.salon_join_attempts
                  where user_id = $1 and attempted_at < now() - make_interval(secs => $2)
             )
             insert into public.salon_join_attempts (user_id) values ($1)",
            &[me.into(), (j.window_seconds as f64).into()],
        )
        .unwrap_or_else(|e| error!("aurora: {e}"));
        return Ok(Row(None));
    };
    if j.role.is_none() {
        freemium::may_join_salon(&member)?;
        insert_member(salon, me);
    }
    Ok(salon_row(salon, me))
}

crate::native_rpc!(aurora_join_salon_via_code, pg_finfo_aurora_join_salon_via_code, |code: String| join_salon(code));

#[pg_extern(schema = "aurora_private", name = "join_salon_via_code", volatile, security_definer)]
#[search_path(pg_catalog, pg_temp)]
fn join_salon_via_code_core(code: Option<String>) -> JsonB {
    respond(join_salon(code).map(|r| r.to_json()))
}

/// The caller's role in a salon, if she is a member of an active salon.
fn role_in(salon: pgrx::Uuid, me: pgrx::Uuid) -> Option<String> {
    query_one!(String, 
        "select m.role::text from public.salon_members m where m.salon_id = $1 and m.user_id = $2",
        &[salon.into(), me.into()],
    )
}

fn base64url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn invitation_token() -> String {
    let mut buf = [0u8; 32];
    // SAFETY: buf is a valid, writable buffer of buf.len() bytes.
    if !unsafe { pg_sys::pg_strong_random(buf.as_mut_ptr().cast(), buf.len()) } {
        error!("aurora: could not generate random bytes");
    }
    base64url(&buf)
}

fn create_invitation(
    salon: Option<pgrx::Uuid>,
    invitee_email: Option<String>,
    invitee_id: Option<pgrx::Uuid>,
    expires_in_days: Option<i32>,
) -> ApiResult {
    let me = require_user()?;
    let salon = salon.ok_or_else(|| ApiError::Invalid("salon_id is required".into(), "Salon manquant."))?;
    let email = optional_text(invitee_email, "invitee_email", 254)?.map(|e| e.to_lowercase());
    if let Some(e) = &email {
        let ok = e.split_once('@').is_some_and(|(u, d)| !u.is_empty() && d.contains('.') && !e.contains(char::is_whitespace));
        if !ok {
            return Err(ApiError::Invalid("invitee_email is not an email address".into(), "Adresse e-mail invalide."));
        }
    }
    let days = expires_in_days.unwrap_or_else(|| settings().invitation_days);
    if !(1..=90).contains(&days) {
        return Err(ApiError::Invalid("expires_in_days must be between 1 and 90".into(), "Durée invalide."));
    }
    match role_in(salon, me).as_deref() {
        None => return Err(ApiError::NotFound("salon not found", "Salon introuvable.")),
        Some("owner" | "moderator") => {}
        Some(_) => {
            return Err(ApiError::Forbidden(
                "only the owner or a moderator can invite".into(),
                "Seules la créatrice et les modératrices peuvent inviter.",
            ))
        }
    }
    if let Some(invitee) = invitee_id {
        let exists = crate::platform::spi::get_one!(bool, 
            "select exists (select 1 from public.profiles where id = $1)",
            &[invitee.into()],
        )
        .unwrap_or_else(|e| error!("aurora: {e}"))
        .unwrap_or(false);
        if !exists {
            return Err(ApiError::NotFound("invitee not found", "Membre introuvable."));
        }
    }
    let token = invitation_token();
    let row = crate::platform::spi::json_one!(
        "with i as (
             insert into public.salon_invitations (salon_id, invited_by, invitee_id, invitee_email, expires_at)
             values ($1, $2, $3, $4, now() + make_interval(days => $6))
             returning id, salon_id, invitee_id, invitee_email, expires_at
         ), t as (
             insert into public.salon_invitation_tokens (invitation_id, token_hash)
             select id, sha256(convert_to($5, 'UTF8')) from i
         )
         select jsonb_build_object('id', id, 'salon_id', salon_id, 'invitee_id', invitee_id,
                                   'invitee_email', invitee_email, 'expires_at', expires_at)
           from i",
        &[salon.into(), me.into(), invitee_id.into(), email.into(), token.clone().into(), days.into()],
    )
    .unwrap_or(Value::Null);
    let mut row = row;
    row["token"] = Value::String(token);
    Ok(row)
}

crate::native_rpc!(
    aurora_create_salon_invitation,
    pg_finfo_aurora_create_salon_invitation,
    |salon_id: pgrx::Uuid, invitee_email: String, invitee_id: pgrx::Uuid, expires_in_days: i32| {
        create_invitation(salon_id, invitee_email, invitee_id, expires_in_days)
    }
);

#[pg_extern(schema = "aurora_private", name = "create_salon_invitation", volatile, security_definer)]
#[search_path(pg_catalog, pg_temp)]
fn create_salon_invitation_core(
    salon_id: Option<pgrx::Uuid>,
    invitee_email: Option<String>,
    invitee_id: Option<pgrx::Uuid>,
    expires_in_days: Option<i32>,
) -> JsonB {
    respond(create_invitation(salon_id, invitee_email, invitee_id, expires_in_days))
}

fn accept_invitation(token: Option<String>) -> Result<Row, ApiError> {
    let me = require_user()?;
    let token = token.unwrap_or_default();
    let token = token.trim();
    if token.len() < 16 || token.len() > 128 {
        return Err(ApiError::Invalid("malformed invitation token".into(), "Invitation invalide."));
    }
    let inv = crate::platform::spi::json_one!(
        "select jsonb_build_object('id', i.id, 'salon_id', i.salon_id, 'invitee_id', i.invitee_id,
                                   'invitee_email', i.invitee_email, 'accepted_by', i.accepted_by,
                                   'expired', i.expires_at <= now(), 'usable', i.revoked_at is null and s.is_active,
                                   'my_email', (select lower(email) from public.member_accounts where id = $2))
           from public.salon_invitation_tokens t
           join public.salon_invitations i on i.id = t.invitation_id
           join public.salons s on s.id = i.salon_id
          where t.token_hash = sha256(convert_to($1, 'UTF8'))
          for update of i",
        &[token.into(), me.into()],
    );
    let Some(inv) = inv.filter(|i| i["usable"] == json!(true)) else {
        return Err(ApiError::NotFound("invitation not found", "Invitation introuvable."));
    };
    let salon: pgrx::Uuid = inv["salon_id"]
        .as_str()
        .and_then(crate::platform::api::parse_uuid)
        .unwrap_or_else(|| error!("aurora: bad invitation row"));
    let me_str = me.to_string();
    match inv["accepted_by"].as_str() {
        Some(by) if by == me_str => return Ok(salon_row(salon, me)),
        Some(_) => return Err(ApiError::Gone("invitation already used", "Cette invitation a déjà été utilisée.")),
        None => {}
    }
    if inv["expired"] == json!(true) {
        return Err(ApiError::Gone("invitation expired", "Cette invitation a expiré."));
    }
    if inv["invitee_id"].as_str().is_some_and(|id| id != me_str)
        || inv["invitee_email"].as_str().is_some_and(|e| Some(e) != inv["my_email"].as_str())
    {
        return Err(ApiError::Forbidden(
            "this invitation is for someone else".into(),
            "Cette invitation est destinée à une autre personne.",
        ));
    }
    if role_in(salon, me).is_none() {
        add_member(salon, me)?;
    }
    crate::platform::spi::exec!(
        "update public.salon_invitations set accepted_at = now(), accepted_by = $2 where id = $1::uuid",
        &[inv["id"].as_str().unwrap_or_default().into(), me.into()],
    )
    .unwrap_or_else(|e| error!("aurora: {e}"));
    Ok(salon_row(salon, me))
}

crate::native_rpc!(aurora_accept_salon_invitation, pg_finfo_aurora_accept_salon_invitation, |token: String| {
    accept_invitation(token)
});

#[pg_extern(schema = "aurora_private", name = "accept_salon_invitation", volatile, security_definer)]
#[search_path(pg_catalog, pg_temp)]
fn accept_salon_invitation_core(token: Option<String>) -> JsonB {
    respond(accept_invitation(token).map(|r| r.to_json()))
}

/// Leaving. A plain member just goes. An owner hands the salon to her longest-standing
/// moderator, else her longest-standing member; alone, she archives it on her way out.
fn leave(salon: Option<pgrx::Uuid>) -> ApiResult {
    let me = require_user()?;
    let salon = salon.ok_or_else(|| ApiError::Invalid("salon_id is required".into(), "Salon manquant."))?;
    // a member who is not the owner just goes: one statement
    let gone = query_one!(
        bool,
        "delete from public.salon_members where salon_id = $1 and user_id = $2 and role <> 'owner' returning true",
        &[salon.into(), me.into()],
    )
    .is_some();
    if gone {
        return Ok(json!({ "salon_id": salon.to_string(), "left": true, "new_owner": null, "archived": false }));
    }
    let Some(role) = role_in(salon, me) else {
        return Err(ApiError::NotFound("you are not a member of this salon", "Vous n'êtes pas membre de ce salon."));
    };
    let mut new_owner: Option<pgrx::Uuid> = None;
    let mut archived = false;
    if role == "owner" {
        new_owner = query_one!(pgrx::Uuid, 
            "select user_id from public.salon_members
              where salon_id = $1 and user_id <> $2
              order by (role = 'moderator') desc, joined_at, user_id
              limit 1 for update",
            &[salon.into(), me.into()],
        );
        match new_owner {
            Some(heir) => crate::platform::spi::exec!(
                "with m as (update public.salon_members set role = 'owner' where salon_id = $1 and user_id = $2)
                 update public.salons set owner_id = $2 where id = $1",
                &[salon.into(), heir.into()],
            ),
            None => {
                archived = true;
                crate::platform::spi::exec!("update public.salons set is_active = false where id = $1", &[salon.into()])
            }
        }
        .unwrap_or_else(|e| error!("aurora: {e}"));
    }
    crate::platform::spi::exec!(
        "delete from public.salon_members where salon_id = $1 and user_id = $2",
        &[salon.into(), me.into()],
    )
    .unwrap_or_else(|e| error!("aurora: {e}"));
    Ok(json!({
        "salon_id": salon.to_string(),
        "left": true,
        "new_owner": new_owner.map(|u| u.to_string()),
        "archived": archived,
    }))
}

crate::native_rpc!(aurora_leave_salon, pg_finfo_aurora_leave_salon, |salon_id: pgrx::Uuid| leave(salon_id));

#[pg_extern(schema = "aurora_private", name = "leave_salon", volatile, security_definer)]
#[search_path(pg_catalog, pg_temp)]
fn leave_salon_core(salon_id: Option<pgrx::Uuid>) -> JsonB {
    respond(leave(salon_id))
}

fn set_role(salon: Option<pgrx::Uuid>, user: Option<pgrx::Uuid>, role: Option<String>) -> ApiResult {
    let me = require_user()?;
    let (Some(salon), Some(user)) = (salon, user) else {
        return Err(ApiError::Invalid("salon_id and user_id are required".into(), "Paramètres manquants."));
    };
    let role = role.unwrap_or_default();
    if !matches!(role.as_str(), "owner" | "moderator" | "member") {
        return Err(ApiError::Invalid("role must be owner, moderator or member".into(), "Rôle invalide."));
    }
    match role_in(salon, me).as_deref() {
        None => return Err(ApiError::NotFound("salon not found", "Salon introuvable.")),
        Some("owner") => {}
        Some(_) => {
            return Err(ApiError::Forbidden("only the owner changes roles".into(), "Seule la créatrice peut changer les rôles."))
        }
    }
    if user == me {
        return Err(ApiError::Invalid(
            "the owner hands over by making another member owner".into(),
            "Pour transmettre le salon, nommez une autre membre créatrice.",
        ));
    }
    if role_in(salon, user).is_none() {
        return Err(ApiError::NotFound("member not found", "Cette personne n'est pas membre du salon."));
    }
    let sql = if role == "owner" {
        "with target as (update public.salon_members set role = 'owner' where salon_id = $1 and user_id = $2),
              me as (update public.salon_members set role = 'moderator' where salon_id = $1 and user_id = $4)
         update public.salons set owner_id = $2 where id = $1 and $3 = 'owner'"
    } else {
        "update public.salon_members set role = $3 where salon_id = $1 and user_id = $2 and $4 is not null"
    };
    crate::platform::spi::exec!(sql, &[salon.into(), user.into(), role.clone().into(), me.into()])
        .unwrap_or_else(|e| error!("aurora: {e}"));
    Ok(json!({ "salon_id": salon.to_string(), "user_id": user.to_string(), "role": role }))
}

crate::native_rpc!(
    aurora_set_member_role,
    pg_finfo_aurora_set_member_role,
    |salon_id: pgrx::Uuid, user_id: pgrx::Uuid, role: String| set_role(salon_id, user_id, role)
);

#[pg_extern(schema = "aurora_private", name = "set_member_role", volatile, security_definer)]
#[search_path(pg_catalog, pg_temp)]
fn set_member_role_core(salon_id: Option<pgrx::Uuid>, user_id: Option<pgrx::Uuid>, role: Option<String>) -> JsonB {
    respond(set_role(salon_id, user_id, role))
}

#[cfg(any(test, feature = "pg_test"))]
#[pg_schema]
mod tests {
    #[pgrx::pg_test]
    fn share_codes_are_normalised() {
        assert_eq!(super::normalize_code(" lyqn-7kp2 tx "), "LYQN7KP2TX");
        assert_eq!(super::normalize_code("ß"), "SS");
    }

    #[pgrx::pg_test]
    fn tokens_are_43_url_safe_characters() {
        let t = super::invitation_token();
        assert_eq!(t.len(), 43);
        assert!(t.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'), "{t}");
        assert_ne!(t, super::invitation_token());
        assert_eq!(super::base64url(b"\xfb\xff"), "-_8");
        assert_eq!(super::base64url(b"foobar"), "Zm9vYmFy");
    }
}
