-- storage: a member writes only under her own folder; a salon's avatar only its owner.
-- Object names are normal paths; the buckets are public (files by URL) but listing is
-- only for a member's own folder and the avatars of salons she can see.
begin;
select no_plan();
select tests.create_user('ines');
select tests.create_user('claire');
select tests.create_salon('lectrices', 'ines');
select tests.add_member('lectrices', 'claire');
insert into storage.objects (bucket_id, name, owner) values ('avatars', tests.fx('ines') || '/me.png', tests.fx('ines'));
select tests.share_tap_state();

select tests.act_as_anon();
select is((select count(*)::int from storage.objects), 0,
          'anon lists nothing (public files are served by URL; folder names are member ids)');
select throws_ok($$ insert into storage.objects (bucket_id, name) values ('avatars', 'x/y.png') $$, '42501', null,
                 'anon uploads nothing');

select tests.act_as('claire');
select lives_ok($$ insert into storage.objects (bucket_id, name, owner) values ('avatars', tests.fx('claire') || '/me.png', tests.fx('claire')) $$,
                'a member uploads her avatar under her folder');
select lives_ok($$ insert into storage.objects (bucket_id, name, owner) values ('covers', tests.fx('claire') || '/cover.jpg', tests.fx('claire')) $$,
                '… and her cover');
select throws_ok($$ insert into storage.objects (bucket_id, name) values ('avatars', tests.fx('ines') || '/evil.png') $$,
                 '42501', null, 'nobody writes in another member''s folder');
select throws_ok($$ insert into storage.objects (bucket_id, name) values ('avatars', 'me.png') $$,
                 '42501', null, 'nor at the bucket root');
select throws_ok($$ insert into storage.objects (bucket_id, name) values ('salon-avatars', tests.fx('lectrices') || '/logo.png') $$,
                 '42501', null, 'a member cannot change the salon''s avatar');
select throws_ok($$ insert into storage.objects (bucket_id, name) values ('salon-avatars', 'not-a-uuid/logo.png') $$,
                 '42501', null, 'nor invent a salon folder');
-- paths that name her folder first but land elsewhere
select throws_ok(format($$ insert into storage.objects (bucket_id, name) values ('avatars', '%s/../%s/a.png') $$,
                        tests.fx('claire'), tests.fx('ines')),
                 '42501', null, '<me>/../<victim>/a.png is refused');
select throws_ok(format($$ insert into storage.objects (bucket_id, name) values ('avatars', '%s/./a.png') $$, tests.fx('claire')),
                 '42501', null, 'a "." segment is refused');
select throws_ok(format($$ insert into storage.objects (bucket_id, name) values ('avatars', '%s//a.png') $$, tests.fx('claire')),
                 '42501', null, 'an empty segment is refused');
select throws_ok(format($$ insert into storage.objects (bucket_id, name) values ('avatars', '/%s/a.png') $$, tests.fx('claire')),
                 '42501', null, 'a leading slash is refused');
select throws_ok(format($$ insert into storage.objects (bucket_id, name) values ('avatars', '%s/a/') $$, tests.fx('claire')),
                 '42501', null, 'a trailing slash is refused');
select lives_ok(format($$ insert into storage.objects (bucket_id, name) values ('avatars', '%s/albums/2025/..mes photos.png') $$, tests.fx('claire')),
                'a normal path with subfolders and dots inside names is accepted');
select is((select count(*)::int from storage.objects where bucket_id in ('avatars', 'covers')), 3,
          'she lists her own files only (avatar, cover, album), not another member''s');
update storage.objects set name = tests.fx('claire') || '/stolen.png' where name like tests.fx('ines') || '/%';
select throws_ok($$ delete from storage.objects where name like tests.fx('claire') || '/%' $$, '42501', null,
                 'Storage forbids deleting its rows from SQL, even one''s own (the bytes would stay)');
-- what the Storage API does for her: the setting, then the delete under her policies
select set_config('storage.allow_delete_query', 'true', true);
delete from storage.objects where name like tests.fx('ines') || '/%';

select tests.act_as('ines');
select is((select count(*)::int from storage.objects where name = tests.fx('ines') || '/me.png'), 1,
          'nobody moved or deleted another member''s file');
select lives_ok($$ insert into storage.objects (bucket_id, name) values ('salon-avatars', tests.fx('lectrices') || '/logo.png') $$,
                'the owner sets her salon''s avatar');
select tests.act_as('claire');
select is((select count(*)::int from storage.objects where bucket_id = 'salon-avatars'), 1,
          'a member lists the avatar of a salon she can see');
select tests.act_as_admin();
update salons set is_active = false where id = tests.fx('lectrices');
delete from salon_members where salon_id = tests.fx('lectrices') and user_id = tests.fx('claire');
select tests.act_as('claire');
select is((select count(*)::int from storage.objects where bucket_id = 'salon-avatars'), 0,
          'not the avatar of an archived salon she is not in');
select tests.act_as('ines');
select lives_ok($$ delete from storage.objects where name = tests.fx('ines') || '/me.png' $$, 'a member deletes her own file');

select tests.act_as_admin();
select * from finish();
rollback;
