//! GoTrue (Supabase Auth) client: see below.
