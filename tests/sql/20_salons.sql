-- salons and members: the directory is public to members of the community, the share
-- code, member list and invitations are not; membership and roles change only through
-- aurora's functions.
begin;
select no_plan();
select tests.create_user('ines');
select tests.create_user('claire');
select tests.create_user('olga');
select tests.create_salon('lectrices', 'ines');
select tests.add_member('lectrices', 'claire');
insert into salons (name, owner_id, is_active) values ('archivé', tests.fx('ines'), false);
insert into tests.fixtures select 'archive', id from salons where name = 'archivé';
insert into chat_messages (salon_id, user_id, content) values (tests.fx('lectrices'), tests.fx('ines'), 'Bonjour');
with i as (insert into salon_invitations (salon_id, invited_by, invitee_email)
           values (tests.fx('lectrices'), tests.fx('ines'), 'amie@example.fr') returning id)
insert into salon_invitation_tokens (invitation_id, token_hash) select id, sha256('t'::bytea) from i;
create temp table code as select share_code from salon_share_codes where salon_id = tests.fx('lectrices');
grant select on code to public;
select is((select count(*)::int from salon_counter_shards where salon_id = tests.fx('archive')) > 0, true,
          'the archived salon has counter shards (the next test is not empty by construction)');
select tests.share_tap_state();

select tests.act_as_anon();
select throws_ok('select name from salons', '42501', null, 'anon cannot read salons');
select throws_ok('select * from salons_with_details', '42501', null, 'anon cannot read salons_with_details');

-- an outsider
select tests.act_as('olga');
select is((select name from salons where id = tests.fx('lectrices')), 'lectrices',
          'an outsider finds the salon in the directory');
select is((select count(*)::int from salons where name = 'archivé'), 0, 'archived salons leave the directory');
select is((select count(*)::int from (select * from salons) s where id = tests.fx('lectrices')), 1,
          'the directory reads with select * (PostgREST: select=*)');
select is((select count(*)::int from salon_share_codes where salon_id = tests.fx('lectrices')), 0,
          'an outsider reads no share code');
select throws_ok($$ update salon_share_codes set share_code = 'AAAAAAAA' $$, '42501', null, 'nor writes one');
select throws_ok($$ insert into salon_share_codes values (tests.fx('lectrices'), 'AAAAAAAA') $$, '42501', null, '… or adds one');
select is(salon_share_code(tests.fx('lectrices')), null, 'salon_share_code() tells an outsider nothing');
select is((select count(*)::int from my_salons), 0, 'my_salons is empty for an outsider');
select is((select count(*)::int from salon_members where salon_id = tests.fx('lectrices')), 0,
          'an outsider cannot list the members');
select is((select member_count::int from salons_with_details where id = tests.fx('lectrices')), 2,
          'the directory shows the member count');
select is((select messages_today::int from salons_with_details where id = tests.fx('lectrices')), 0,
          'but no message activity to outsiders');
select is((select count(*)::int from salon_invitations), 0, 'an outsider sees no invitation');
select throws_ok($$ insert into salon_members (salon_id, user_id) values (tests.fx('lectrices'), tests.fx('olga')) $$,
                 '42501', null, 'joining by writing salon_members (without the code) is refused');
select throws_ok($$ insert into salons (name, owner_id) values ('mien', tests.fx('olga')) $$,
                 '42501', null, 'salons are created through to_jsonb(create_salon_with_code()) only');
select throws_ok($$ insert into salon_counter_shards (salon_id, shard, member_delta) values (tests.fx('lectrices'), 0, 100) $$,
                 '42501', null, 'counters are not writable');
update salons set name = 'à moi' where id = tests.fx('lectrices');
delete from salons where id = tests.fx('lectrices');
select is((select count(*)::int from salon_counter_shards where salon_id = tests.fx('archive')), 0,
          'nor the counters of an archived salon she is not in (shards follow the salon''s visibility)');
select is((select count(*)::int from salon_counter_shards where salon_id = tests.fx('lectrices')) > 0, true,
          'the counters of a salon in the directory are readable');

-- a member
select tests.act_as('claire');
select is((select share_code from my_salons where id = tests.fx('lectrices')), (select share_code from code),
          'a member gets the share code through my_salons');
select is(salon_share_code(tests.fx('lectrices')), (select share_code from code),
          '… and through salon_share_code()');
select is((select count(*)::int from salon_members where salon_id = tests.fx('lectrices')), 2,
          'a member sees the member list');
select is((select messages_today::int from salons_with_details where id = tests.fx('lectrices')), 1,
          'a member sees today''s activity');
select is((select count(*)::int from salon_invitations), 0, 'a plain member does not see invitations');
select throws_ok($$ update salon_members set role = 'owner' where user_id = tests.fx('claire') $$,
                 '42501', null, 'a member cannot raise her own role');
select throws_ok($$ update salon_members set last_seen_at = now() where user_id = tests.fx('claire') $$,
                 '42501', null, 'presence timestamps are written by aurora only');
select lives_ok($$ update salon_members set notifications_enabled = false where user_id = tests.fx('claire') $$,
                'a member mutes the salon');
select throws_ok($$ update salons set member_count = 999 where id = tests.fx('lectrices') $$,
                 '42501', null, 'salon counters are not writable');
update salons set name = 'à moi' where id = tests.fx('lectrices');
delete from salons where id = tests.fx('lectrices');
delete from salon_members where salon_id = tests.fx('lectrices') and user_id = tests.fx('ines');

-- the owner
select tests.act_as('ines');
select is((select name from salons where id = tests.fx('lectrices')), 'lectrices',
          'members and outsiders could neither rename nor delete the salon');
select is((select count(*)::int from salon_members where salon_id = tests.fx('lectrices')), 2,
          'nobody removed another member');
select is((select count(*)::int from salons where name = 'archivé'), 1, 'the owner still sees her archived salon');
select lives_ok($$ update salons set name = 'Les Lectrices', color_theme = '#112233' where id = tests.fx('lectrices') $$,
                'the owner edits her salon');
select throws_ok($$ update salons set color_theme = 'violet' where id = tests.fx('lectrices') $$,
                 '23514', null, 'a color theme must be #rrggbb');
select throws_ok($$ update salons set name = 'x' || repeat(' ', 100000) where id = tests.fx('lectrices') $$,
                 '23514', null, 'a salon name over 80 characters is refused on update too (trailing spaces count)');
select throws_ok($$ update salons set name = '   ' where id = tests.fx('lectrices') $$,
                 '23514', null, 'and a blank one');
select throws_ok($$ update salons set owner_id = tests.fx('claire') where id = tests.fx('lectrices') $$,
                 '42501', null, 'ownership changes through to_jsonb(set_member_role()) only');
select is((select count(*)::int from salon_invitations), 1, 'the owner sees her salon''s invitations');
select is((select count(*)::int from (select * from salon_invitations) i), 1, 'she reads them with select * (PostgREST: select=*)');
select throws_ok('select token_hash from salon_invitation_tokens', '42501', null, 'the token hash is never readable');
select throws_ok('select * from salon_invitation_tokens', '42501', null, '… nor with select *');
delete from salon_members where salon_id = tests.fx('lectrices') and user_id = tests.fx('ines');
select is((select count(*)::int from salon_members where user_id = tests.fx('ines') and salon_id = tests.fx('lectrices')), 1,
          'an owner cannot just leave her salon');

select tests.act_as('claire');
select lives_ok($$ delete from salon_members where salon_id = tests.fx('lectrices') and user_id = tests.fx('claire') $$,
                'a member leaves');
select is((select count(*)::int from my_salons), 0, 'and it is no longer hers');
select is((select count(*)::int from chat_messages where salon_id = tests.fx('lectrices')), 0,
          'a former member no longer reads the messages');

select tests.act_as('ines');
select is((select member_count::int from salons_with_details where id = tests.fx('lectrices')), 1,
          'the member count follows');
select lives_ok($$ delete from salons where id = tests.fx('lectrices') $$, 'the owner deletes her salon');

select tests.act_as_admin();
select * from finish();
rollback;
