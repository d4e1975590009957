-- freemium: the entitlement rule, the Paris day, trials and the profile page (the cores
-- are in freemium/mod.rs, which lists where every limit lives) ---------------------------

-- What a member may do now: 'premium', 'trial' (a trial that has not ended) or 'freemium'.
-- The one place the rule is written: quotas, lesson access, Brevo lists, billing and the
-- trial's end call it. Plain SQL without SET, so the planner inlines it into the calling
-- statement (no call overhead on the message path).
create function aurora_private.entitlement(subscription_type public.subscription_type, trial_ends_at timestamptz)
returns public.subscription_type
language sql stable parallel safe
as $$
    select case when subscription_type = 'premium' then 'premium'
                when subscription_type = 'trial' and trial_ends_at > now() then 'trial'
                else 'freemium' end::public.subscription_type
$$;

-- Whether a daily counter last reset on an earlier day than today, days ending at
-- midnight in Paris (the community's clock). Inlined like entitlement().
create function aurora_private.paris_day_changed(last_reset timestamptz) returns boolean
language sql stable parallel safe
as $$
    select coalesce((last_reset at time zone 'Europe/Paris')::date < (now() at time zone 'Europe/Paris')::date, true)
$$;

-- Trials end by themselves: entitlement() stops counting a trial at trial_ends_at at once;
-- this makes the stored plan follow (and with it her Brevo list, through the account
-- trigger). Run by the sweep worker; callable by service_role (pg_cron).
create index idx_member_accounts_trials on member_accounts (trial_ends_at) where subscription_type = 'trial';
create function aurora_private.end_expired_trials() returns integer
language sql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
    with ended as (
        update public.member_accounts p set subscription_type = 'freemium'
         where p.subscription_type = 'trial'
           and aurora_private.entitlement(p.subscription_type, p.trial_ends_at) <> 'trial'
        returning 1
    )
    select count(*)::int from ended
$$;

-- What the RPCs answer (docs/api.md), as types the client's generated types name.
create type trial_answer as (subscription_type subscription_type, trial_ends_at timestamptz);
-- a member's profile page
create type profile_page as (
    id uuid, full_name text, avatar_url text, bio text, city text, interests text[],
    cover_url text, presence_status presence_status, created_at timestamptz
);
-- limit: her daily views (null when she has no limit)
create type profile_view as (counted boolean, views_today integer, "limit" integer, profile profile_page);

-- The free trial, once (PT409 the second time; 42501 when no trial is offered).
create function start_trial()
returns trial_answer language c volatile security definer set search_path = pg_catalog, pg_temp
as 'MODULE_PATHNAME', 'aurora_start_trial';

-- A member's profile page (bio, city, interests, cover), counted against a free member's
-- daily views; name and avatar stay readable to every member for chat.
create function record_profile_view(profile_id uuid)
returns profile_view language c volatile security definer set search_path = pg_catalog, pg_temp
as 'MODULE_PATHNAME', 'aurora_record_profile_view';
