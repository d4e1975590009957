-- storage: a member writes only under her own folder; a salon's avatar only its owner.
begin;
select no_plan();
select tests.create_user('ines');
select tests.create_user('claire');
select tests.create_salon('lectrices', 'ines');
select tests.add_member('lectrices', 'claire');
insert into storage.objects (bucket_id, name, owner) values ('avatars', tests.fx('ines') || '/me.png', tests.fx('ines'));
select tests.share_tap_state();

select tests.act_as_anon();
select is((select count(*)::int from storage.objects), 1, 'public images are listed for anyone');
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
update storage.objects set name = tests.fx('claire') || '/stolen.png' where name like tests.fx('ines') || '/%';
delete from storage.objects where name like tests.fx('ines') || '/%';

select tests.act_as('ines');
select is((select count(*)::int from storage.objects where name = tests.fx('ines') || '/me.png'), 1,
          'nobody moved or deleted another member''s file');
select lives_ok($$ insert into storage.objects (bucket_id, name) values ('salon-avatars', tests.fx('lectrices') || '/logo.png') $$,
                'the owner sets her salon''s avatar');
select lives_ok($$ delete from storage.objects where name = tests.fx('ines') || '/me.png' $$, 'a member deletes her own file');

select tests.act_as_admin();
select * from finish();
rollback;
