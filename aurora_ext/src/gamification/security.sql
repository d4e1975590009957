-- gamification: all rows are written by aurora's functions and triggers; users read their own

create trigger user_stats_updated_at before update on user_stats
    for each row execute function set_updated_at();

alter table user_stats enable row level security;
create policy user_stats_select_own on user_stats for select to authenticated
    using (user_id = (select auth.uid()));

alter table user_achievements enable row level security;
create policy user_achievements_select_own on user_achievements for select to authenticated
    using (user_id = (select auth.uid()));

alter table user_activities enable row level security;
create policy user_activities_select_own on user_activities for select to authenticated
    using (user_id = (select auth.uid()));

alter table user_progress_history enable row level security;
create policy user_progress_history_select_own on user_progress_history for select to authenticated
    using (user_id = (select auth.uid()));
