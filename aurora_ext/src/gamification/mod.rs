//! Gamification: points, levels, streaks, achievements and the activity feed.
