//! `#[pg_test]`s for the Rust helpers and triggers that are not owned by one domain.
#[pgrx::pg_schema]
mod tests {
    use pgrx::prelude::*;

    fn user(email: &str) -> pgrx::Uuid {
        Spi::get_one_with_args::<pgrx::Uuid>(
            "insert into auth.users (id, email) values (gen_random_uuid(), $1) returning id",
            &[email.into()],
        )
        .unwrap()
        .unwrap()
    }

    fn salon(owner: pgrx::Uuid) -> pgrx::Uuid {
        Spi::get_one_with_args::<pgrx::Uuid>(
            "insert into public.salons (name, owner_id) values ('Atelier', $1) returning id",
            &[owner.into()],
        )
        .unwrap()
        .unwrap()
    }

    fn exact_counts(salon: pgrx::Uuid) -> (i64, i64) {
        let (m, g) = Spi::get_two_with_args::<i64, i64>(
            "select member_count::bigint, message_count::bigint
               from public.salons_with_details where id = $1",
            &[salon.into()],
        )
        .unwrap();
        (m.unwrap(), g.unwrap())
    }

    #[pg_test]
    fn share_codes_use_the_unambiguous_alphabet() {
        for _ in 0..200 {
            let code = crate::salons::generate_share_code();
            assert_eq!(code.len(), 10);
            assert!(code.chars().all(|c| "ABCDEFGHJKMNPQRSTUVWXYZ23456789".contains(c)), "{code}");
        }
        let distinct = Spi::get_one::<i64>(
            "select count(distinct public.generate_share_code()) from generate_series(1, 2000)",
        );
        assert_eq!(distinct, Ok(Some(2000)));
    }

    #[pg_test]
    fn creating_a_salon_makes_its_owner_a_member() {
        let owner = user("owner@example.fr");
        let s = salon(owner);
        let role = Spi::get_one_with_args::<String>(
            "select role::text from public.salon_members where salon_id = $1 and user_id = $2",
            &[s.into(), owner.into()],
        );
        assert_eq!(role, Ok(Some("owner".into())));
        let created = Spi::get_one_with_args::<i32>(
            "select salons_created from public.member_accounts where id = $1",
            &[owner.into()],
        );
        assert_eq!(created, Ok(Some(1)));
        assert_eq!(exact_counts(s), (1, 0));
    }

    #[pg_test]
    fn counters_follow_members_and_messages_and_survive_folding() {
        let owner = user("o@example.fr");
        let member = user("m@example.fr");
        let s = salon(owner);
        Spi::run_with_args(
            "insert into public.salon_members (salon_id, user_id) values ($1, $2)",
            &[s.into(), member.into()],
        )
        .unwrap();
        Spi::run_with_args(
            "insert into public.chat_messages (salon_id, user_id, content)
             select $1, $2, 'bonjour ' || g from generate_series(1, 5) g",
            &[s.into(), member.into()],
        )
        .unwrap();
        assert_eq!(exact_counts(s), (2, 5));
        // soft delete, undelete, hard delete
        Spi::run_with_args(
            "update public.chat_messages set is_deleted = true, deleted_at = now()
              where salon_id = $1 and content = 'bonjour 1'",
            &[s.into()],
        )
        .unwrap();
        assert_eq!(exact_counts(s), (2, 4));
        Spi::run_with_args(
            "delete from public.chat_messages where salon_id = $1 and content in ('bonjour 1', 'bonjour 2')",
            &[s.into()],
        )
        .unwrap();
        assert_eq!(exact_counts(s), (2, 3));
        let joined = Spi::get_one_with_args::<i32>(
            "select salons_joined from public.member_accounts where id = $1",
            &[member.into()],
        );
        assert_eq!(joined, Ok(Some(1)));

        assert!(crate::salons::fold_salon_counters() >= 1);
        let (m, g, shards) = Spi::get_three_with_args::<i32, i32, i64>(
            "select member_count, message_count,
                    (select count(*) from public.salon_counter_shards where salon_id = $1)
               from public.salons where id = $1",
            &[s.into()],
        )
        .unwrap();
        assert_eq!((m, g, shards), (Some(2), Some(3), Some(0)));
        assert_eq!(exact_counts(s), (2, 3));

        Spi::run_with_args(
            "delete from public.salon_members where salon_id = $1 and user_id = $2",
            &[s.into(), member.into()],
        )
        .unwrap();
        assert_eq!(exact_counts(s), (1, 3));
        let joined = Spi::get_one_with_args::<i32>(
            "select salons_joined from public.member_accounts where id = $1",
            &[member.into()],
        );
        assert_eq!(joined, Ok(Some(0)));
    }

    #[pg_test]
    fn deleting_a_salon_cascades_without_counter_errors() {
        let owner = user("d@example.fr");
        let s = salon(owner);
        Spi::run_with_args(
            "insert into public.chat_messages (salon_id, user_id, content) values ($1, $2, 'x')",
            &[s.into(), owner.into()],
        )
        .unwrap();
        Spi::run_with_args("delete from public.salons where id = $1", &[s.into()]).unwrap();
        let left = Spi::get_one_with_args::<i64>(
            "select (select count(*) from public.salon_counter_shards where salon_id = $1)
                  + (select count(*) from public.salon_members where salon_id = $1)",
            &[s.into()],
        );
        assert_eq!(left, Ok(Some(0)));
    }

    #[pg_test]
    fn reactions_take_their_salon_from_the_message() {
        let owner = user("r@example.fr");
        let s = salon(owner);
        let msg = Spi::get_one_with_args::<i64>(
            "insert into public.chat_messages (salon_id, user_id, content) values ($1, $2, 'x') returning id",
            &[s.into(), owner.into()],
        )
        .unwrap()
        .unwrap();
        let salon_of = Spi::get_one_with_args::<pgrx::Uuid>(
            "insert into public.message_reactions (message_id, user_id, emoji) values ($1, $2, '❤️')
             returning salon_id",
            &[msg.into(), owner.into()],
        );
        assert_eq!(salon_of, Ok(Some(s)));
    }

    #[pg_test(error = "message not found")]
    fn reacting_to_a_missing_message_fails() {
        let u = user("x@example.fr");
        Spi::run_with_args(
            "insert into public.message_reactions (message_id, user_id, emoji) values (-1, $1, '👍')",
            &[u.into()],
        )
        .unwrap();
    }

    #[pg_test]
    fn membership_check_answers_only_what_the_caller_may_know() {
        let owner = user("a1@example.fr");
        let outsider = user("a2@example.fr");
        let s = salon(owner);
        let ask = |as_user: pgrx::Uuid, who: Option<pgrx::Uuid>| -> bool {
            Spi::run("set local role authenticated").unwrap();
            Spi::run_with_args(
                "select set_config('request.jwt.claims', json_build_object('sub', $1::text, 'role', 'authenticated')::text, true)",
                &[as_user.into()],
            )
            .unwrap();
            let r = Spi::get_one_with_args::<bool>(
                "select public.user_is_salon_member($1, $2)",
                &[s.into(), who.into()],
            )
            .unwrap()
            .unwrap();
            Spi::run("reset role").unwrap();
            r
        };
        assert!(ask(owner, None));
        assert!(!ask(outsider, None));
        // the outsider cannot learn that the owner is a member
        assert!(!ask(outsider, Some(owner)));
        assert!(ask(owner, Some(owner)));
    }
}
