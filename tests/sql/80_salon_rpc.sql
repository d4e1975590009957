-- Salon RPCs as each role: create (freemium limit), join by code (idempotent, rate
-- limited, freemium limit), invitations (one-time, expiry, addressee), leave (hand-over,
-- archive), roles (owner only, transfer).
begin;
select no_plan();
select tests.create_user('ines', 'premium');
select tests.create_user('claire');
select tests.create_user('olga');
select tests.create_user('fanny');
select tests.create_user('paula', 'premium');
update aurora_settings set freemium_salons_created = 1, freemium_salons_joined = 2, join_attempts_per_window = 3;
create temp table t (k text primary key, v jsonb);
grant all on t to public;
select tests.share_tap_state();

-- anon ---------------------------------------------------------------------------------
select tests.act_as_anon();
select throws_ok($$ select to_jsonb(create_salon_with_code('x')) $$, '42501', null, 'anon cannot create a salon');
select throws_ok($$ select to_jsonb(join_salon_via_code('ABCDEFGHJK')) $$, '42501', null, 'anon cannot join');
select throws_ok($$ select user_is_salon_member(gen_random_uuid()) $$, '42501', null, 'anon cannot ask about membership');

-- create -------------------------------------------------------------------------------
select tests.act_as('ines');
insert into t select 'lectrices', to_jsonb(create_salon_with_code('  Les Lectrices  ', 'Un livre par mois', 'culture', 'Lyon', '#112233'));
select is((select v->>'name' from t where k = 'lectrices'), 'Les Lectrices', 'create_salon_with_code trims and returns the salon');
select is((select v->>'role' from t where k = 'lectrices'), 'owner', 'the creator is its owner');
select ok((select v->>'share_code' from t where k = 'lectrices') ~ '^[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{10}$',
          'with a 10-symbol share code from the unambiguous alphabet');
select is((select (v->>'member_count')::int from t where k = 'lectrices'), 1, 'and one member');
select is((select count(*)::int from user_achievements where badge_id = 'salon_founder'), 1, 'the founder badge is earned');
insert into t select 'second', to_jsonb(create_salon_with_code('Deuxième'));
select is((select count(*)::int from user_achievements where badge_id = 'salon_founder'), 1, '… once, however many salons');
select is((select points from user_stats), 20, 'and pays once');
select throws_ok($$ select to_jsonb(create_salon_with_code('   ')) $$, '22023', 'name is required', 'a blank name is refused');
select throws_ok($$ select to_jsonb(create_salon_with_code(repeat('x', 81))) $$, '22023', null, 'an overlong name is refused');
select throws_ok($$ select to_jsonb(create_salon_with_code('ok', color_theme => 'violet')) $$, '22023', null, 'a bad color is refused');
select tests.act_as('claire');
insert into t select 'claire1', to_jsonb(create_salon_with_code('Marche'));
select throws_ok($$ select to_jsonb(create_salon_with_code('Encore un')) $$, 'PT402', null,
                 'a freemium member cannot create beyond her limit (402)');
select is((select count(*)::int from salons where owner_id = tests.fx('claire')), 1, 'and nothing was created');

-- join ---------------------------------------------------------------------------------
select tests.act_as_admin();
insert into tests.fixtures select 'lectrices', (v->>'id')::uuid from t where k = 'lectrices';
create temp table code as select v->>'share_code' as c from t where k = 'lectrices';
grant select on code to public;
select tests.act_as('olga');
select is(to_jsonb(join_salon_via_code((select lower(substr(c, 1, 5)) || '-' || substr(c, 6) from code)))->>'role', 'member',
          'joining by code (any case, dashes ignored) makes a member');
select is(to_jsonb(join_salon_via_code((select c from code)))->>'role', 'member', 'joining again is idempotent');
select is((select count(*)::int from salon_members where user_id = tests.fx('olga')), 1, '… with one membership');
select is(user_is_salon_member(tests.fx('lectrices')), true, 'user_is_salon_member says so');
select is(user_is_salon_member(tests.fx('lectrices'), tests.fx('ines')), true, 'a member may ask about another member');
select throws_ok($$ select to_jsonb(join_salon_via_code('')) $$, '22023', null, 'an empty code is refused');

select tests.act_as('fanny');
select is(to_jsonb(join_salon_via_code('AAAAAAAAAA')), null, 'a wrong code answers null (and counts)');
select is(to_jsonb(join_salon_via_code('BBBBBBBBBB')), null, 'a second wrong code');
select is(to_jsonb(join_salon_via_code('CCCCCCCCCC')), null, 'a third wrong code');
select throws_ok($$ select to_jsonb(join_salon_via_code((select c from code))) $$, 'PT429', null,
                 'after too many wrong codes even the right one is refused (429)');
select is(user_is_salon_member(tests.fx('lectrices')), false, 'and she did not join');
select is(user_is_salon_member(tests.fx('lectrices'), tests.fx('ines')), false,
          'an outsider learns nothing about members');
select tests.act_as_admin();
update salon_join_attempts set attempted_at = now() - interval '11 minutes' where user_id = tests.fx('fanny');
select tests.act_as('fanny');
select is(to_jsonb(join_salon_via_code((select c from code)))->>'role', 'member', 'the window passes and the right code works');
select tests.act_as_admin();
select tests.create_salon('s2', 'paula');
select tests.create_salon('s3', 'paula');
create temp table codes2 as select s.name, c.share_code from salons s join salon_share_codes c on c.salon_id = s.id where s.name in ('s2', 's3');
grant select on codes2 to public;
select tests.act_as('fanny');
select is(to_jsonb(join_salon_via_code((select share_code from codes2 where name = 's2')))->>'role', 'member', 'second salon joined');
select throws_ok($$ select to_jsonb(join_salon_via_code((select share_code from codes2 where name = 's3'))) $$, 'PT402', null,
                 'a freemium member cannot join beyond her limit (402)');
select tests.act_as('paula');
select is(to_jsonb(join_salon_via_code((select c from code)))->>'role', 'member', 'a premium member has no join limit');
select tests.act_as_admin();
select tests.create_user('zoe');
delete from profiles where id = tests.fx('zoe');
select tests.act_as('zoe');
select throws_ok($$ select to_jsonb(join_salon_via_code((select share_code from codes2 where name = 's3'))) $$, 'PT404', null,
                 'without a profile nobody joins (404)');
select tests.act_as_admin();
select is((select count(*)::int from salon_members where user_id = tests.fx('zoe')), 0, 'and no membership was written');

-- invitations ----------------------------------------------------------------------------
select tests.act_as('olga');
select throws_ok($$ select to_jsonb(create_salon_invitation(tests.fx('lectrices'), 'amie@example.fr')) $$, '42501', null,
                 'a plain member cannot invite');
select tests.act_as('claire');
select throws_ok($$ select to_jsonb(create_salon_invitation(tests.fx('lectrices'), 'amie@example.fr')) $$, 'PT404', null,
                 'an outsider cannot invite (the salon is not hers to see)');
select tests.act_as('ines');
insert into t select 'inv_open', to_jsonb(create_salon_invitation(tests.fx('lectrices')));
insert into t select 'inv_claire', to_jsonb(create_salon_invitation(tests.fx('lectrices'), invitee_id => tests.fx('claire')));
insert into t select 'inv_mail', to_jsonb(create_salon_invitation(tests.fx('lectrices'), 'Claire@Example.fr'));
select ok(length((select v->>'token' from t where k = 'inv_open')) = 43, 'an invitation carries a 43-character token');
select tests.act_as_admin();
select is((select count(*)::int from salon_invitation_tokens where token_hash = sha256(convert_to((select v->>'token' from t where k = 'inv_open'), 'UTF8'))
                 and invitation_id = (select (v->>'id')::uuid from t where k = 'inv_open')),
          1, 'only its hash is stored');
select tests.act_as('ines');
select throws_ok($$ select to_jsonb(create_salon_invitation(tests.fx('lectrices'), 'pas-une-adresse')) $$, '22023', null, 'a bad email is refused');
select throws_ok($$ select to_jsonb(create_salon_invitation(tests.fx('lectrices'), expires_in_days => 0)) $$, '22023', null, 'a bad duration is refused');
select throws_ok($$ select to_jsonb(create_salon_invitation(tests.fx('lectrices'), invitee_id => gen_random_uuid())) $$, 'PT404', null, 'an unknown invitee is refused');

select tests.act_as('paula');
select throws_ok($$ select to_jsonb(accept_salon_invitation((select v->>'token' from t where k = 'inv_claire'))) $$, '42501', null,
                 'an invitation for someone else is refused');
select tests.act_as('claire');
select throws_ok($$ select to_jsonb(accept_salon_invitation('not-a-real-token-but-long-enough')) $$, 'PT404', null, 'an unknown token is not found');
select throws_ok($$ select to_jsonb(accept_salon_invitation('short')) $$, '22023', null, 'a malformed token is refused');
select is(to_jsonb(accept_salon_invitation((select v->>'token' from t where k = 'inv_claire')))->>'role', 'member',
          'the invitee accepts');
select is(to_jsonb(accept_salon_invitation((select v->>'token' from t where k = 'inv_claire')))->>'role', 'member',
          'accepting again is idempotent');
select tests.act_as('paula');
select throws_ok($$ select to_jsonb(accept_salon_invitation((select v->>'token' from t where k = 'inv_claire'))) $$, 'PT410',
                 'invitation already used', 'a used invitation cannot be used again (410)');
select tests.act_as_admin();
update salon_invitations set expires_at = now() - interval '1 minute', created_at = now() - interval '2 days'
 where id = (select (v->>'id')::uuid from t where k = 'inv_open');
select tests.act_as('paula');
select throws_ok($$ select to_jsonb(accept_salon_invitation((select v->>'token' from t where k = 'inv_open'))) $$, 'PT410', null,
                 'an expired invitation is gone (410)');

-- roles ----------------------------------------------------------------------------------
select tests.act_as('olga');
select throws_ok($$ select to_jsonb(set_member_role(tests.fx('lectrices'), tests.fx('olga'), 'moderator')) $$, '42501', null,
                 'a member cannot promote herself');
select tests.act_as('ines');
select throws_ok($$ select to_jsonb(set_member_role(tests.fx('lectrices'), tests.fx('olga'), 'queen')) $$, '22023', null, 'unknown role refused');
select throws_ok($$ select to_jsonb(set_member_role(tests.fx('lectrices'), tests.fx('ines'), 'member')) $$, '22023', null,
                 'the owner does not demote herself');
select throws_ok($$ select to_jsonb(set_member_role(tests.fx('lectrices'), gen_random_uuid(), 'moderator')) $$, 'PT404', null,
                 'a non-member cannot be given a role');
select is(to_jsonb(set_member_role(tests.fx('lectrices'), tests.fx('olga'), 'moderator'))->>'role', 'moderator', 'the owner makes a moderator');
select tests.act_as('olga');
select ok(to_jsonb(create_salon_invitation(tests.fx('lectrices'))) ? 'token', 'a moderator can invite');

-- leaving --------------------------------------------------------------------------------
select tests.act_as('paula');
select is(to_jsonb(leave_salon(tests.fx('lectrices')))->>'left', 'true', 'a member leaves');
select throws_ok($$ select to_jsonb(leave_salon(tests.fx('lectrices'))) $$, 'PT404', null, 'leaving twice: not a member');
select tests.act_as('ines');
select is(to_jsonb(leave_salon(tests.fx('lectrices')))->>'new_owner', tests.fx('olga')::text,
          'an owner leaving hands over to her senior moderator');
select tests.act_as('olga');
select is((select owner_id from salons where id = tests.fx('lectrices')), tests.fx('olga'), 'who now owns the salon');
select is((select role from salon_members where salon_id = tests.fx('lectrices') and user_id = tests.fx('olga')), 'owner', '… as owner');
select is(to_jsonb(set_member_role(tests.fx('lectrices'), tests.fx('claire'), 'owner'))->>'role', 'owner', 'ownership can be transferred');
select is((select role from salon_members where salon_id = tests.fx('lectrices') and user_id = tests.fx('olga')), 'moderator',
          'the former owner becomes moderator');
select tests.act_as_admin();
insert into tests.fixtures select 'second', (v->>'id')::uuid from t where k = 'second';
select tests.act_as('ines');
select is(to_jsonb(leave_salon(tests.fx('second')))->>'archived', 'true', 'an owner alone archives her salon on leaving');
select tests.act_as_admin();
select is((select is_active from salons where id = tests.fx('second')), false, 'the salon is archived');

select tests.act_as('claire');
select is((select member_count::int from salons_with_details where id = tests.fx('lectrices')),
          (select count(*)::int from salon_members where salon_id = tests.fx('lectrices')), 'counters stay exact through it all');

select tests.act_as_admin();
-- an invitation is no way around the freemium join limit
select tests.act_as('paula');
insert into t select 'inv_fanny', to_jsonb(create_salon_invitation((select id from salons where name = 's3'), invitee_id => tests.fx('fanny')));
select tests.act_as('fanny');
select throws_ok($$ select to_jsonb(accept_salon_invitation((select v->>'token' from t where k = 'inv_fanny'))) $$, 'PT402', null,
                 'a freemium member at her join limit cannot accept an invitation either (402)');
select tests.act_as_admin();
select is((select count(*)::int from salon_members m join salons s on s.id = m.salon_id
            where s.name = 's3' and m.user_id = tests.fx('fanny')), 0, 'and she did not join');
select is((select accepted_at from salon_invitations where id = (select (v->>'id')::uuid from t where k = 'inv_fanny')), null,
          'the invitation stays open');

select * from finish();
rollback;
