export type Json =
  | string
  | number
  | boolean
  | null
  | { [key: string]: Json | undefined }
  | Json[]

export type Database = {
  public: {
    Tables: {
      aurora_settings: {
        Row: {
          freemium_daily_messages: number
          freemium_daily_profile_views: number
          freemium_salons_created: number
          freemium_salons_joined: number
          id: boolean
          invitation_days: number
          join_attempt_window_seconds: number
          join_attempts_per_window: number
          lesson_completion_threshold: number
          trial_days: number
          updated_at: string
        }
        Insert: {
          freemium_daily_messages?: number
          freemium_daily_profile_views?: number
          freemium_salons_created?: number
          freemium_salons_joined?: number
          id?: boolean
          invitation_days?: number
          join_attempt_window_seconds?: number
          join_attempts_per_window?: number
          lesson_completion_threshold?: number
          trial_days?: number
          updated_at?: string
        }
        Update: {
          freemium_daily_messages?: number
          freemium_daily_profile_views?: number
          freemium_salons_created?: number
          freemium_salons_joined?: number
          id?: boolean
          invitation_days?: number
          join_attempt_window_seconds?: number
          join_attempts_per_window?: number
          lesson_completion_threshold?: number
          trial_days?: number
          updated_at?: string
        }
        Relationships: []
      }
      brevo_contact_sync: {
        Row: {
          attempts: number
          created_at: string
          done_at: string | null
          id: number
          last_error: string | null
          lease_token: string | null
          lease_until: string | null
          next_attempt_at: string
          reason: string
          requeued_at: string | null
          status: string
          user_id: string
        }
        Insert: {
          attempts?: number
          created_at?: string
          done_at?: string | null
          id?: number
          last_error?: string | null
          lease_token?: string | null
          lease_until?: string | null
          next_attempt_at?: string
          reason: string
          requeued_at?: string | null
          status?: string
          user_id: string
        }
        Update: {
          attempts?: number
          created_at?: string
          done_at?: string | null
          id?: number
          last_error?: string | null
          lease_token?: string | null
          lease_until?: string | null
          next_attempt_at?: string
          reason?: string
          requeued_at?: string | null
          status?: string
          user_id?: string
        }
        Relationships: []
      }
      chat_messages: {
        Row: {
          content: string
          created_at: string
          deleted_at: string | null
          id: number
          is_deleted: boolean
          reply_to_id: number | null
          salon_id: string
          user_id: string
        }
        Insert: {
          content: string
          created_at?: string
          deleted_at?: string | null
          id?: number
          is_deleted?: boolean
          reply_to_id?: number | null
          salon_id: string
          user_id?: string
        }
        Update: {
          content?: string
          created_at?: string
          deleted_at?: string | null
          id?: number
          is_deleted?: boolean
          reply_to_id?: number | null
          salon_id?: string
          user_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "chat_messages_salon_id_fkey"
            columns: ["salon_id"]
            referencedRelation: "my_salons"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "chat_messages_salon_id_fkey"
            columns: ["salon_id"]
            referencedRelation: "salons"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "chat_messages_salon_id_fkey"
            columns: ["salon_id"]
            referencedRelation: "salons_with_details"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "chat_messages_salon_id_reply_to_id_fkey"
            columns: ["salon_id", "reply_to_id"]
            referencedRelation: "chat_messages"
            referencedColumns: ["salon_id", "id"]
          },
          {
            foreignKeyName: "chat_messages_salon_id_reply_to_id_fkey"
            columns: ["salon_id", "reply_to_id"]
            referencedRelation: "chat_messages_with_profiles"
            referencedColumns: ["salon_id", "id"]
          },
        ]
      }
      courses: {
        Row: {
          color_gradient: string | null
          created_at: string
          description: string | null
          duration_weeks: number | null
          emoji: string | null
          id: string
          is_published: boolean
          order_index: number | null
          pillar_number: number | null
          short_description: string | null
          slug: string | null
          title: string
        }
        Insert: {
          color_gradient?: string | null
          created_at?: string
          description?: string | null
          duration_weeks?: number | null
          emoji?: string | null
          id?: string
          is_published?: boolean
          order_index?: number | null
          pillar_number?: number | null
          short_description?: string | null
          slug?: string | null
          title: string
        }
        Update: {
          color_gradient?: string | null
          created_at?: string
          description?: string | null
          duration_weeks?: number | null
          emoji?: string | null
          id?: string
          is_published?: boolean
          order_index?: number | null
          pillar_number?: number | null
          short_description?: string | null
          slug?: string | null
          title?: string
        }
        Relationships: []
      }
      email_outbox: {
        Row: {
          attempts: number
          created_at: string
          delivery_key: string
          id: number
          idempotency_key: string
          last_error: string | null
          lease_token: string | null
          lease_until: string | null
          next_attempt_at: string
          params: NonNullable<Json>
          provider_message_id: string | null
          recipient_email: string
          requeued_at: string | null
          sent_at: string | null
          status: string
          template: string
          user_id: string | null
        }
        Insert: {
          attempts?: number
          created_at?: string
          delivery_key?: string
          id?: number
          idempotency_key: string
          last_error?: string | null
          lease_token?: string | null
          lease_until?: string | null
          next_attempt_at?: string
          params?: NonNullable<Json>
          provider_message_id?: string | null
          recipient_email: string
          requeued_at?: string | null
          sent_at?: string | null
          status?: string
          template: string
          user_id?: string | null
        }
        Update: {
          attempts?: number
          created_at?: string
          delivery_key?: string
          id?: number
          idempotency_key?: string
          last_error?: string | null
          lease_token?: string | null
          lease_until?: string | null
          next_attempt_at?: string
          params?: NonNullable<Json>
          provider_message_id?: string | null
          recipient_email?: string
          requeued_at?: string | null
          sent_at?: string | null
          status?: string
          template?: string
          user_id?: string | null
        }
        Relationships: []
      }
      enrollments: {
        Row: {
          course_id: string
          enrolled_at: string
          id: string
          user_id: string
        }
        Insert: {
          course_id: string
          enrolled_at?: string
          id?: string
          user_id?: string
        }
        Update: {
          course_id?: string
          enrolled_at?: string
          id?: string
          user_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "enrollments_course_id_fkey"
            columns: ["course_id"]
            referencedRelation: "courses"
            referencedColumns: ["id"]
          },
        ]
      }
      lesson_bodies: {
        Row: {
          content: string | null
          lesson_id: string
          video_url: string | null
        }
        Insert: {
          content?: string | null
          lesson_id: string
          video_url?: string | null
        }
        Update: {
          content?: string | null
          lesson_id?: string
          video_url?: string | null
        }
        Relationships: [
          {
            foreignKeyName: "lesson_bodies_lesson_id_fkey"
            columns: ["lesson_id"]
            referencedRelation: "lessons"
            referencedColumns: ["id"]
          },
        ]
      }
      lessons: {
        Row: {
          course_id: string
          created_at: string
          duration_minutes: number | null
          id: string
          is_free: boolean
          lesson_number: number
          release_day_offset: number
          title: string
        }
        Insert: {
          course_id: string
          created_at?: string
          duration_minutes?: number | null
          id?: string
          is_free?: boolean
          lesson_number: number
          release_day_offset?: number
          title: string
        }
        Update: {
          course_id?: string
          created_at?: string
          duration_minutes?: number | null
          id?: string
          is_free?: boolean
          lesson_number?: number
          release_day_offset?: number
          title?: string
        }
        Relationships: [
          {
            foreignKeyName: "lessons_course_id_fkey"
            columns: ["course_id"]
            referencedRelation: "courses"
            referencedColumns: ["id"]
          },
        ]
      }
      member_accounts: {
        Row: {
          bio: string | null
          city: string | null
          conversion_triggers: NonNullable<Json>
          cover_url: string | null
          current_salon_id: string | null
          daily_chat_count: number
          daily_profile_views: number
          email: string | null
          id: string
          interests: string[] | null
          last_activity_reset: string | null
          onboarding_answers: Json | null
          onboarding_completed: boolean
          salons_created: number
          salons_joined: number
          stripe_customer_id: string | null
          stripe_session_id: string | null
          subscription_started_at: string | null
          subscription_type: Database["public"]["Enums"]["subscription_type"]
          trial_ends_at: string | null
          updated_at: string
        }
        Insert: {
          bio?: string | null
          city?: string | null
          conversion_triggers?: NonNullable<Json>
          cover_url?: string | null
          current_salon_id?: string | null
          daily_chat_count?: number
          daily_profile_views?: number
          email?: string | null
          id: string
          interests?: string[] | null
          last_activity_reset?: string | null
          onboarding_answers?: Json | null
          onboarding_completed?: boolean
          salons_created?: number
          salons_joined?: number
          stripe_customer_id?: string | null
          stripe_session_id?: string | null
          subscription_started_at?: string | null
          subscription_type?: Database["public"]["Enums"]["subscription_type"]
          trial_ends_at?: string | null
          updated_at?: string
        }
        Update: {
          bio?: string | null
          city?: string | null
          conversion_triggers?: NonNullable<Json>
          cover_url?: string | null
          current_salon_id?: string | null
          daily_chat_count?: number
          daily_profile_views?: number
          email?: string | null
          id?: string
          interests?: string[] | null
          last_activity_reset?: string | null
          onboarding_answers?: Json | null
          onboarding_completed?: boolean
          salons_created?: number
          salons_joined?: number
          stripe_customer_id?: string | null
          stripe_session_id?: string | null
          subscription_started_at?: string | null
          subscription_type?: Database["public"]["Enums"]["subscription_type"]
          trial_ends_at?: string | null
          updated_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "member_accounts_current_salon_id_fkey"
            columns: ["current_salon_id"]
            referencedRelation: "my_salons"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "member_accounts_current_salon_id_fkey"
            columns: ["current_salon_id"]
            referencedRelation: "salons"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "member_accounts_current_salon_id_fkey"
            columns: ["current_salon_id"]
            referencedRelation: "salons_with_details"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "member_accounts_id_fkey"
            columns: ["id"]
            referencedRelation: "my_account"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "member_accounts_id_fkey"
            columns: ["id"]
            referencedRelation: "profiles"
            referencedColumns: ["id"]
          },
        ]
      }
      message_reactions: {
        Row: {
          created_at: string
          emoji: string
          id: number
          message_id: number
          salon_id: string
          user_id: string
        }
        Insert: {
          created_at?: string
          emoji: string
          id?: number
          message_id: number
          salon_id: string
          user_id?: string
        }
        Update: {
          created_at?: string
          emoji?: string
          id?: number
          message_id?: number
          salon_id?: string
          user_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "message_reactions_salon_id_message_id_fkey"
            columns: ["salon_id", "message_id"]
            referencedRelation: "chat_messages"
            referencedColumns: ["salon_id", "id"]
          },
          {
            foreignKeyName: "message_reactions_salon_id_message_id_fkey"
            columns: ["salon_id", "message_id"]
            referencedRelation: "chat_messages_with_profiles"
            referencedColumns: ["salon_id", "id"]
          },
        ]
      }
      profiles: {
        Row: {
          auto_offline_after: number
          avatar_url: string | null
          created_at: string
          full_name: string | null
          id: string
          is_manual_status: boolean
          last_activity: string | null
          presence_expires_at: string | null
          presence_status: Database["public"]["Enums"]["presence_status"]
          status: Database["public"]["Enums"]["presence_status"]
          status_updated_at: string | null
          updated_at: string
        }
        Insert: {
          auto_offline_after?: number
          avatar_url?: string | null
          created_at?: string
          full_name?: string | null
          id: string
          is_manual_status?: boolean
          last_activity?: string | null
          presence_expires_at?: string | null
          presence_status?: Database["public"]["Enums"]["presence_status"]
          status?: Database["public"]["Enums"]["presence_status"]
          status_updated_at?: string | null
          updated_at?: string
        }
        Update: {
          auto_offline_after?: number
          avatar_url?: string | null
          created_at?: string
          full_name?: string | null
          id?: string
          is_manual_status?: boolean
          last_activity?: string | null
          presence_expires_at?: string | null
          presence_status?: Database["public"]["Enums"]["presence_status"]
          status?: Database["public"]["Enums"]["presence_status"]
          status_updated_at?: string | null
          updated_at?: string
        }
        Relationships: []
      }
      salon_counter_shards: {
        Row: {
          member_delta: number
          message_delta: number
          salon_id: string
          shard: number
        }
        Insert: {
          member_delta?: number
          message_delta?: number
          salon_id: string
          shard: number
        }
        Update: {
          member_delta?: number
          message_delta?: number
          salon_id?: string
          shard?: number
        }
        Relationships: [
          {
            foreignKeyName: "salon_counter_shards_salon_id_fkey"
            columns: ["salon_id"]
            referencedRelation: "my_salons"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "salon_counter_shards_salon_id_fkey"
            columns: ["salon_id"]
            referencedRelation: "salons"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "salon_counter_shards_salon_id_fkey"
            columns: ["salon_id"]
            referencedRelation: "salons_with_details"
            referencedColumns: ["id"]
          },
        ]
      }
      salon_invitation_tokens: {
        Row: {
          invitation_id: string
          token_hash: string
        }
        Insert: {
          invitation_id: string
          token_hash: string
        }
        Update: {
          invitation_id?: string
          token_hash?: string
        }
        Relationships: [
          {
            foreignKeyName: "salon_invitation_tokens_invitation_id_fkey"
            columns: ["invitation_id"]
            referencedRelation: "salon_invitations"
            referencedColumns: ["id"]
          },
        ]
      }
      salon_invitations: {
        Row: {
          accepted_at: string | null
          accepted_by: string | null
          created_at: string
          expires_at: string
          id: string
          invited_by: string | null
          invitee_email: string | null
          invitee_id: string | null
          revoked_at: string | null
          salon_id: string
        }
        Insert: {
          accepted_at?: string | null
          accepted_by?: string | null
          created_at?: string
          expires_at?: string
          id?: string
          invited_by?: string | null
          invitee_email?: string | null
          invitee_id?: string | null
          revoked_at?: string | null
          salon_id: string
        }
        Update: {
          accepted_at?: string | null
          accepted_by?: string | null
          created_at?: string
          expires_at?: string
          id?: string
          invited_by?: string | null
          invitee_email?: string | null
          invitee_id?: string | null
          revoked_at?: string | null
          salon_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "salon_invitations_salon_id_fkey"
            columns: ["salon_id"]
            referencedRelation: "my_salons"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "salon_invitations_salon_id_fkey"
            columns: ["salon_id"]
            referencedRelation: "salons"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "salon_invitations_salon_id_fkey"
            columns: ["salon_id"]
            referencedRelation: "salons_with_details"
            referencedColumns: ["id"]
          },
        ]
      }
      salon_join_attempts: {
        Row: {
          attempted_at: string
          user_id: string
        }
        Insert: {
          attempted_at?: string
          user_id: string
        }
        Update: {
          attempted_at?: string
          user_id?: string
        }
        Relationships: []
      }
      salon_members: {
        Row: {
          joined_at: string
          last_seen_at: string | null
          notifications_enabled: boolean
          role: Database["public"]["Enums"]["salon_role"]
          salon_id: string
          user_id: string
        }
        Insert: {
          joined_at?: string
          last_seen_at?: string | null
          notifications_enabled?: boolean
          role?: Database["public"]["Enums"]["salon_role"]
          salon_id: string
          user_id: string
        }
        Update: {
          joined_at?: string
          last_seen_at?: string | null
          notifications_enabled?: boolean
          role?: Database["public"]["Enums"]["salon_role"]
          salon_id?: string
          user_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "salon_members_salon_id_fkey"
            columns: ["salon_id"]
            referencedRelation: "my_salons"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "salon_members_salon_id_fkey"
            columns: ["salon_id"]
            referencedRelation: "salons"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "salon_members_salon_id_fkey"
            columns: ["salon_id"]
            referencedRelation: "salons_with_details"
            referencedColumns: ["id"]
          },
        ]
      }
      salon_share_codes: {
        Row: {
          salon_id: string
          share_code: string
        }
        Insert: {
          salon_id: string
          share_code: string
        }
        Update: {
          salon_id?: string
          share_code?: string
        }
        Relationships: [
          {
            foreignKeyName: "salon_share_codes_salon_id_fkey"
            columns: ["salon_id"]
            referencedRelation: "my_salons"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "salon_share_codes_salon_id_fkey"
            columns: ["salon_id"]
            referencedRelation: "salons"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "salon_share_codes_salon_id_fkey"
            columns: ["salon_id"]
            referencedRelation: "salons_with_details"
            referencedColumns: ["id"]
          },
        ]
      }
      salons: {
        Row: {
          avatar_url: string | null
          category: string | null
          city: string | null
          color_theme: string
          created_at: string
          description: string | null
          id: string
          is_active: boolean
          member_count: number
          message_count: number
          name: string
          owner_id: string | null
          updated_at: string
        }
        Insert: {
          avatar_url?: string | null
          category?: string | null
          city?: string | null
          color_theme?: string
          created_at?: string
          description?: string | null
          id?: string
          is_active?: boolean
          member_count?: number
          message_count?: number
          name: string
          owner_id?: string | null
          updated_at?: string
        }
        Update: {
          avatar_url?: string | null
          category?: string | null
          city?: string | null
          color_theme?: string
          created_at?: string
          description?: string | null
          id?: string
          is_active?: boolean
          member_count?: number
          message_count?: number
          name?: string
          owner_id?: string | null
          updated_at?: string
        }
        Relationships: []
      }
      stripe_events: {
        Row: {
          created: string | null
          customer_id: string | null
          id: string
          livemode: boolean
          object_id: string | null
          payload: NonNullable<Json>
          processed_at: string | null
          reason: string | null
          received_at: string
          status: string
          type: string
          user_id: string | null
        }
        Insert: {
          created?: string | null
          customer_id?: string | null
          id: string
          livemode?: boolean
          object_id?: string | null
          payload: NonNullable<Json>
          processed_at?: string | null
          reason?: string | null
          received_at?: string
          status?: string
          type: string
          user_id?: string | null
        }
        Update: {
          created?: string | null
          customer_id?: string | null
          id?: string
          livemode?: boolean
          object_id?: string | null
          payload?: NonNullable<Json>
          processed_at?: string | null
          reason?: string | null
          received_at?: string
          status?: string
          type?: string
          user_id?: string | null
        }
        Relationships: []
      }
      subscriptions: {
        Row: {
          amount: number | null
          billing_interval: string | null
          cancel_at: string | null
          cancel_at_period_end: boolean
          canceled_at: string | null
          currency: string | null
          current_period_end: string | null
          current_period_start: string | null
          customer_id: string | null
          ended_at: string | null
          id: string
          last_event_created: string | null
          last_event_id: string | null
          plan: string | null
          price_id: string | null
          started_at: string | null
          status: string
          trial_end: string | null
          trial_start: string | null
          updated_at: string
          user_id: string | null
        }
        Insert: {
          amount?: number | null
          billing_interval?: string | null
          cancel_at?: string | null
          cancel_at_period_end?: boolean
          canceled_at?: string | null
          currency?: string | null
          current_period_end?: string | null
          current_period_start?: string | null
          customer_id?: string | null
          ended_at?: string | null
          id: string
          last_event_created?: string | null
          last_event_id?: string | null
          plan?: string | null
          price_id?: string | null
          started_at?: string | null
          status: string
          trial_end?: string | null
          trial_start?: string | null
          updated_at?: string
          user_id?: string | null
        }
        Update: {
          amount?: number | null
          billing_interval?: string | null
          cancel_at?: string | null
          cancel_at_period_end?: boolean
          canceled_at?: string | null
          currency?: string | null
          current_period_end?: string | null
          current_period_start?: string | null
          customer_id?: string | null
          ended_at?: string | null
          id?: string
          last_event_created?: string | null
          last_event_id?: string | null
          plan?: string | null
          price_id?: string | null
          started_at?: string | null
          status?: string
          trial_end?: string | null
          trial_start?: string | null
          updated_at?: string
          user_id?: string | null
        }
        Relationships: []
      }
      user_achievements: {
        Row: {
          badge_id: string
          description: string | null
          earned_at: string
          icon: string | null
          id: string
          rarity: Database["public"]["Enums"]["badge_rarity"]
          title: string
          user_id: string
        }
        Insert: {
          badge_id: string
          description?: string | null
          earned_at?: string
          icon?: string | null
          id?: string
          rarity?: Database["public"]["Enums"]["badge_rarity"]
          title: string
          user_id: string
        }
        Update: {
          badge_id?: string
          description?: string | null
          earned_at?: string
          icon?: string | null
          id?: string
          rarity?: Database["public"]["Enums"]["badge_rarity"]
          title?: string
          user_id?: string
        }
        Relationships: []
      }
      user_activities: {
        Row: {
          created_at: string
          description: string | null
          icon: string | null
          id: string
          metadata: NonNullable<Json>
          title: string
          type: string
          user_id: string
        }
        Insert: {
          created_at?: string
          description?: string | null
          icon?: string | null
          id?: string
          metadata?: NonNullable<Json>
          title: string
          type: string
          user_id: string
        }
        Update: {
          created_at?: string
          description?: string | null
          icon?: string | null
          id?: string
          metadata?: NonNullable<Json>
          title?: string
          type?: string
          user_id?: string
        }
        Relationships: []
      }
      user_courses: {
        Row: {
          completed_at: string | null
          course_id: string
          last_accessed_at: string
          last_lesson_id: string | null
          lessons_completed: number
          progress_percentage: number
          started_at: string
          status: Database["public"]["Enums"]["progress_status"]
          updated_at: string
          user_id: string
        }
        Insert: {
          completed_at?: string | null
          course_id: string
          last_accessed_at?: string
          last_lesson_id?: string | null
          lessons_completed?: number
          progress_percentage?: number
          started_at?: string
          status?: Database["public"]["Enums"]["progress_status"]
          updated_at?: string
          user_id: string
        }
        Update: {
          completed_at?: string | null
          course_id?: string
          last_accessed_at?: string
          last_lesson_id?: string | null
          lessons_completed?: number
          progress_percentage?: number
          started_at?: string
          status?: Database["public"]["Enums"]["progress_status"]
          updated_at?: string
          user_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "user_courses_course_id_fkey"
            columns: ["course_id"]
            referencedRelation: "courses"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "user_courses_last_lesson_id_fkey"
            columns: ["last_lesson_id"]
            referencedRelation: "lessons"
            referencedColumns: ["id"]
          },
        ]
      }
      user_lesson_progress: {
        Row: {
          completed_at: string | null
          completion_percentage: number
          created_at: string
          id: string
          last_video_position: number
          lesson_id: string
          started_at: string | null
          status: Database["public"]["Enums"]["progress_status"]
          updated_at: string
          user_id: string
          watch_time_seconds: number
        }
        Insert: {
          completed_at?: string | null
          completion_percentage?: number
          created_at?: string
          id?: string
          last_video_position?: number
          lesson_id: string
          started_at?: string | null
          status?: Database["public"]["Enums"]["progress_status"]
          updated_at?: string
          user_id: string
          watch_time_seconds?: number
        }
        Update: {
          completed_at?: string | null
          completion_percentage?: number
          created_at?: string
          id?: string
          last_video_position?: number
          lesson_id?: string
          started_at?: string | null
          status?: Database["public"]["Enums"]["progress_status"]
          updated_at?: string
          user_id?: string
          watch_time_seconds?: number
        }
        Relationships: [
          {
            foreignKeyName: "user_lesson_progress_lesson_id_fkey"
            columns: ["lesson_id"]
            referencedRelation: "lessons"
            referencedColumns: ["id"]
          },
        ]
      }
      user_progress_history: {
        Row: {
          activity_date: string
          lessons_completed: number
          messages_sent: number
          points_earned: number
          user_id: string
          watch_time_seconds: number
        }
        Insert: {
          activity_date: string
          lessons_completed?: number
          messages_sent?: number
          points_earned?: number
          user_id: string
          watch_time_seconds?: number
        }
        Update: {
          activity_date?: string
          lessons_completed?: number
          messages_sent?: number
          points_earned?: number
          user_id?: string
          watch_time_seconds?: number
        }
        Relationships: []
      }
      user_stats: {
        Row: {
          created_at: string
          last_streak_date: string | null
          level: number
          longest_streak_days: number
          points: number
          rank: number | null
          streak_days: number
          total_lessons_completed: number
          total_study_time_minutes: number
          updated_at: string
          user_id: string
        }
        Insert: {
          created_at?: string
          last_streak_date?: string | null
          level?: number
          longest_streak_days?: number
          points?: number
          rank?: number | null
          streak_days?: number
          total_lessons_completed?: number
          total_study_time_minutes?: number
          updated_at?: string
          user_id: string
        }
        Update: {
          created_at?: string
          last_streak_date?: string | null
          level?: number
          longest_streak_days?: number
          points?: number
          rank?: number | null
          streak_days?: number
          total_lessons_completed?: number
          total_study_time_minutes?: number
          updated_at?: string
          user_id?: string
        }
        Relationships: []
      }
    }
    Views: {
      chat_messages_with_profiles: {
        Row: {
          avatar_url: string | null
          content: string | null
          created_at: string | null
          full_name: string | null
          id: number | null
          reply_to_id: number | null
          salon_id: string | null
          user_id: string | null
        }
        Relationships: [
          {
            foreignKeyName: "chat_messages_salon_id_fkey"
            columns: ["salon_id"]
            referencedRelation: "my_salons"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "chat_messages_salon_id_fkey"
            columns: ["salon_id"]
            referencedRelation: "salons"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "chat_messages_salon_id_fkey"
            columns: ["salon_id"]
            referencedRelation: "salons_with_details"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "chat_messages_salon_id_reply_to_id_fkey"
            columns: ["salon_id", "reply_to_id"]
            referencedRelation: "chat_messages"
            referencedColumns: ["salon_id", "id"]
          },
          {
            foreignKeyName: "chat_messages_salon_id_reply_to_id_fkey"
            columns: ["salon_id", "reply_to_id"]
            referencedRelation: "chat_messages_with_profiles"
            referencedColumns: ["salon_id", "id"]
          },
        ]
      }
      my_account: {
        Row: {
          account_updated_at: string | null
          auto_offline_after: number | null
          avatar_url: string | null
          bio: string | null
          city: string | null
          conversion_triggers: Json | null
          cover_url: string | null
          created_at: string | null
          current_salon_id: string | null
          daily_chat_count: number | null
          daily_profile_views: number | null
          email: string | null
          full_name: string | null
          id: string | null
          interests: string[] | null
          is_manual_status: boolean | null
          last_activity: string | null
          last_activity_reset: string | null
          onboarding_answers: Json | null
          onboarding_completed: boolean | null
          presence_expires_at: string | null
          presence_status: Database["public"]["Enums"]["presence_status"] | null
          salons_created: number | null
          salons_joined: number | null
          status: Database["public"]["Enums"]["presence_status"] | null
          status_updated_at: string | null
          stripe_customer_id: string | null
          stripe_session_id: string | null
          subscription_started_at: string | null
          subscription_type:
            | Database["public"]["Enums"]["subscription_type"]
            | null
          trial_ends_at: string | null
          updated_at: string | null
        }
        Insert: {
          account_updated_at?: string | null
          auto_offline_after?: number | null
          avatar_url?: string | null
          bio?: string | null
          city?: string | null
          conversion_triggers?: Json | null
          cover_url?: string | null
          created_at?: string | null
          current_salon_id?: string | null
          daily_chat_count?: number | null
          daily_profile_views?: number | null
          email?: string | null
          full_name?: string | null
          id?: string | null
          interests?: string[] | null
          is_manual_status?: boolean | null
          last_activity?: string | null
          last_activity_reset?: string | null
          onboarding_answers?: Json | null
          onboarding_completed?: boolean | null
          presence_expires_at?: string | null
          presence_status?:
            | Database["public"]["Enums"]["presence_status"]
            | null
          salons_created?: number | null
          salons_joined?: number | null
          status?: Database["public"]["Enums"]["presence_status"] | null
          status_updated_at?: string | null
          stripe_customer_id?: string | null
          stripe_session_id?: string | null
          subscription_started_at?: string | null
          subscription_type?:
            | Database["public"]["Enums"]["subscription_type"]
            | null
          trial_ends_at?: string | null
          updated_at?: string | null
        }
        Update: {
          account_updated_at?: string | null
          auto_offline_after?: number | null
          avatar_url?: string | null
          bio?: string | null
          city?: string | null
          conversion_triggers?: Json | null
          cover_url?: string | null
          created_at?: string | null
          current_salon_id?: string | null
          daily_chat_count?: number | null
          daily_profile_views?: number | null
          email?: string | null
          full_name?: string | null
          id?: string | null
          interests?: string[] | null
          is_manual_status?: boolean | null
          last_activity?: string | null
          last_activity_reset?: string | null
          onboarding_answers?: Json | null
          onboarding_completed?: boolean | null
          presence_expires_at?: string | null
          presence_status?:
            | Database["public"]["Enums"]["presence_status"]
            | null
          salons_created?: number | null
          salons_joined?: number | null
          status?: Database["public"]["Enums"]["presence_status"] | null
          status_updated_at?: string | null
          stripe_customer_id?: string | null
          stripe_session_id?: string | null
          subscription_started_at?: string | null
          subscription_type?:
            | Database["public"]["Enums"]["subscription_type"]
            | null
          trial_ends_at?: string | null
          updated_at?: string | null
        }
        Relationships: [
          {
            foreignKeyName: "member_accounts_current_salon_id_fkey"
            columns: ["current_salon_id"]
            referencedRelation: "my_salons"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "member_accounts_current_salon_id_fkey"
            columns: ["current_salon_id"]
            referencedRelation: "salons"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "member_accounts_current_salon_id_fkey"
            columns: ["current_salon_id"]
            referencedRelation: "salons_with_details"
            referencedColumns: ["id"]
          },
        ]
      }
      my_salons: {
        Row: {
          actual_member_count: number | null
          avatar_url: string | null
          category: string | null
          city: string | null
          color_theme: string | null
          created_at: string | null
          description: string | null
          id: string | null
          is_active: boolean | null
          joined_at: string | null
          last_seen_at: string | null
          member_count: number | null
          message_count: number | null
          messages_today: number | null
          name: string | null
          notifications_enabled: boolean | null
          owner_avatar: string | null
          owner_id: string | null
          owner_name: string | null
          role: Database["public"]["Enums"]["salon_role"] | null
          share_code: string | null
          updated_at: string | null
        }
        Relationships: []
      }
      salons_with_details: {
        Row: {
          actual_member_count: number | null
          avatar_url: string | null
          category: string | null
          city: string | null
          color_theme: string | null
          created_at: string | null
          description: string | null
          id: string | null
          is_active: boolean | null
          member_count: number | null
          message_count: number | null
          messages_today: number | null
          name: string | null
          owner_avatar: string | null
          owner_id: string | null
          owner_name: string | null
          updated_at: string | null
        }
        Relationships: []
      }
    }
    Functions: {
      accept_salon_invitation: {
        Args: { token: string }
        Returns: Database["public"]["CompositeTypes"]["salon_answer"]
        SetofOptions: {
          from: "*"
          to: "salon_answer"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      check_inactive_users: {
        Args: Record<PropertyKey, never>
        Returns: number
      }
      create_salon_invitation: {
        Args: {
          expires_in_days?: number
          invitee_email?: string
          invitee_id?: string
          salon_id: string
        }
        Returns: Database["public"]["CompositeTypes"]["salon_invitation_answer"]
        SetofOptions: {
          from: "*"
          to: "salon_invitation_answer"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      create_salon_with_code: {
        Args: {
          category?: string
          city?: string
          color_theme?: string
          description?: string
          name: string
        }
        Returns: Database["public"]["CompositeTypes"]["salon_answer"]
        SetofOptions: {
          from: "*"
          to: "salon_answer"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      delete_message: {
        Args: { message_id: number }
        Returns: Database["public"]["CompositeTypes"]["deleted_message"]
        SetofOptions: {
          from: "*"
          to: "deleted_message"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      delete_my_account: {
        Args: Record<PropertyKey, never>
        Returns: Database["public"]["CompositeTypes"]["erasure_state"]
        SetofOptions: {
          from: "*"
          to: "erasure_state"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      email_first_name: { Args: { full_name: string }; Returns: string }
      ensure_profile: {
        Args: Record<PropertyKey, never>
        Returns: {
          account_updated_at: string | null
          auto_offline_after: number | null
          avatar_url: string | null
          bio: string | null
          city: string | null
          conversion_triggers: Json | null
          cover_url: string | null
          created_at: string | null
          current_salon_id: string | null
          daily_chat_count: number | null
          daily_profile_views: number | null
          email: string | null
          full_name: string | null
          id: string | null
          interests: string[] | null
          is_manual_status: boolean | null
          last_activity: string | null
          last_activity_reset: string | null
          onboarding_answers: Json | null
          onboarding_completed: boolean | null
          presence_expires_at: string | null
          presence_status: Database["public"]["Enums"]["presence_status"] | null
          salons_created: number | null
          salons_joined: number | null
          status: Database["public"]["Enums"]["presence_status"] | null
          status_updated_at: string | null
          stripe_customer_id: string | null
          stripe_session_id: string | null
          subscription_started_at: string | null
          subscription_type:
            | Database["public"]["Enums"]["subscription_type"]
            | null
          trial_ends_at: string | null
          updated_at: string | null
        }
        SetofOptions: {
          from: "*"
          to: "my_account"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      erase_member: {
        Args: { member_id: string }
        Returns: Database["public"]["CompositeTypes"]["erasure_state"]
        SetofOptions: {
          from: "*"
          to: "erasure_state"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      export_my_data: {
        Args: Record<PropertyKey, never>
        Returns: Database["public"]["CompositeTypes"]["member_export"]
        SetofOptions: {
          from: "*"
          to: "member_export"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      fold_salon_counters: { Args: Record<PropertyKey, never>; Returns: number }
      generate_share_code: { Args: Record<PropertyKey, never>; Returns: string }
      get_all_message_reactions_batch: {
        Args: { message_ids: number[] }
        Returns: {
          count: number
          emoji: string
          message_id: number
          reacted_by_me: boolean
          reactors: Database["public"]["CompositeTypes"]["reactor"][]
        }[]
      }
      get_course_lessons: {
        Args: { course_id: string }
        Returns: Database["public"]["CompositeTypes"]["course_lesson"][]
        SetofOptions: {
          from: "*"
          to: "course_lesson"
          isOneToOne: false
          isSetofReturn: true
        }
      }
      get_leaderboard: {
        Args: { max_entries?: number }
        Returns: Database["public"]["CompositeTypes"]["leaderboard_entry"][]
        SetofOptions: {
          from: "*"
          to: "leaderboard_entry"
          isOneToOne: false
          isSetofReturn: true
        }
      }
      get_lesson_content: {
        Args: { lesson_id: string }
        Returns: Database["public"]["CompositeTypes"]["lesson_content"]
        SetofOptions: {
          from: "*"
          to: "lesson_content"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      get_message_reactions_summary: {
        Args: { message_id: number }
        Returns: {
          count: number
          emoji: string
          message_id: number
          reacted_by_me: boolean
          reactors: Database["public"]["CompositeTypes"]["reactor"][]
        }[]
      }
      get_reply_message_info: {
        Args: { message_id: number }
        Returns: Database["public"]["CompositeTypes"]["reply_preview"]
        SetofOptions: {
          from: "*"
          to: "reply_preview"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      get_salon_page: {
        Args: {
          before_message_id?: number
          page_size?: number
          salon_id: string
        }
        Returns: Database["public"]["CompositeTypes"]["salon_page_message"][]
        SetofOptions: {
          from: "*"
          to: "salon_page_message"
          isOneToOne: false
          isSetofReturn: true
        }
      }
      get_table_columns: {
        Args: { table_name: string }
        Returns: {
          column_default: string
          column_name: string
          data_type: string
          is_nullable: boolean
        }[]
      }
      handle_message_reaction: {
        Args: { action: string; emoji: string; message_id: number }
        Returns: Database["public"]["CompositeTypes"]["reaction_answer"]
        SetofOptions: {
          from: "*"
          to: "reaction_answer"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      handle_user_signin: {
        Args: Record<PropertyKey, never>
        Returns: Database["public"]["CompositeTypes"]["presence_state"]
        SetofOptions: {
          from: "*"
          to: "presence_state"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      handle_user_signout: {
        Args: Record<PropertyKey, never>
        Returns: Database["public"]["CompositeTypes"]["presence_state"]
        SetofOptions: {
          from: "*"
          to: "presence_state"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      join_salon_via_code: {
        Args: { code: string }
        Returns: Database["public"]["CompositeTypes"]["salon_answer"]
        SetofOptions: {
          from: "*"
          to: "salon_answer"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      leave_salon: {
        Args: { salon_id: string }
        Returns: Database["public"]["CompositeTypes"]["salon_departure"]
        SetofOptions: {
          from: "*"
          to: "salon_departure"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      my_profile: {
        Args: Record<PropertyKey, never>
        Returns: {
          account_updated_at: string | null
          auto_offline_after: number | null
          avatar_url: string | null
          bio: string | null
          city: string | null
          conversion_triggers: Json | null
          cover_url: string | null
          created_at: string | null
          current_salon_id: string | null
          daily_chat_count: number | null
          daily_profile_views: number | null
          email: string | null
          full_name: string | null
          id: string | null
          interests: string[] | null
          is_manual_status: boolean | null
          last_activity: string | null
          last_activity_reset: string | null
          onboarding_answers: Json | null
          onboarding_completed: boolean | null
          presence_expires_at: string | null
          presence_status: Database["public"]["Enums"]["presence_status"] | null
          salons_created: number | null
          salons_joined: number | null
          status: Database["public"]["Enums"]["presence_status"] | null
          status_updated_at: string | null
          stripe_customer_id: string | null
          stripe_session_id: string | null
          subscription_started_at: string | null
          subscription_type:
            | Database["public"]["Enums"]["subscription_type"]
            | null
          trial_ends_at: string | null
          updated_at: string | null
        }
        SetofOptions: {
          from: "*"
          to: "my_account"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      my_salon_ids: { Args: Record<PropertyKey, never>; Returns: string[] }
      queue_subscription_reminders: {
        Args: { days_before?: number }
        Returns: number
      }
      record_profile_view: {
        Args: { profile_id: string }
        Returns: Database["public"]["CompositeTypes"]["profile_view"]
        SetofOptions: {
          from: "*"
          to: "profile_view"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      rpc_check_inactive_users: {
        Args: Record<PropertyKey, never>
        Returns: number
      }
      rpc_set_manual_status: {
        Args: { status?: string }
        Returns: Database["public"]["CompositeTypes"]["presence_state"]
        SetofOptions: {
          from: "*"
          to: "presence_state"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      rpc_update_activity: {
        Args: Record<PropertyKey, never>
        Returns: Database["public"]["CompositeTypes"]["presence_state"]
        SetofOptions: {
          from: "*"
          to: "presence_state"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      salon_share_code: { Args: { salon_id: string }; Returns: string }
      set_member_role: {
        Args: { role: string; salon_id: string; user_id: string }
        Returns: Database["public"]["CompositeTypes"]["salon_role_answer"]
        SetofOptions: {
          from: "*"
          to: "salon_role_answer"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      start_course: {
        Args: { course_id: string }
        Returns: Database["public"]["CompositeTypes"]["course_enrolment"]
        SetofOptions: {
          from: "*"
          to: "course_enrolment"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      start_trial: {
        Args: Record<PropertyKey, never>
        Returns: Database["public"]["CompositeTypes"]["trial_answer"]
        SetofOptions: {
          from: "*"
          to: "trial_answer"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      storage_path_is_normal: { Args: { name: string }; Returns: boolean }
      toggle_message_reaction: {
        Args: { emoji: string; message_id: number }
        Returns: Database["public"]["CompositeTypes"]["reaction_answer"]
        SetofOptions: {
          from: "*"
          to: "reaction_answer"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      update_lesson_progress: {
        Args: {
          completion_percentage?: number
          lesson_id: string
          position_seconds?: number
          watch_time_seconds?: number
        }
        Returns: Database["public"]["CompositeTypes"]["lesson_progress_answer"]
        SetofOptions: {
          from: "*"
          to: "lesson_progress_answer"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      update_user_activity: {
        Args: Record<PropertyKey, never>
        Returns: Database["public"]["CompositeTypes"]["presence_state"]
        SetofOptions: {
          from: "*"
          to: "presence_state"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      user_is_salon_member: {
        Args: { salon_id?: string; user_id?: string }
        Returns: boolean
      }
    }
    Enums: {
      badge_rarity: "common" | "uncommon" | "rare" | "epic" | "legendary"
      presence_status: "online" | "away" | "busy" | "offline"
      progress_status: "not_started" | "in_progress" | "completed"
      salon_role: "owner" | "moderator" | "member"
      subscription_type: "freemium" | "trial" | "premium"
    }
    CompositeTypes: {
      course_enrolment: {
        course_id: string | null
        enrolled_at: string | null
        status: Database["public"]["Enums"]["progress_status"] | null
        progress_percentage: number | null
        newly_enrolled: boolean | null
      }
      course_lesson: {
        id: string | null
        lesson_number: number | null
        title: string | null
        duration_minutes: number | null
        is_free: boolean | null
        release_day_offset: number | null
        available_at: string | null
        is_released: boolean | null
        can_open: boolean | null
        status: Database["public"]["Enums"]["progress_status"] | null
        completion_percentage: number | null
      }
      deleted_message: {
        id: number | null
        salon_id: string | null
        is_deleted: boolean | null
      }
      erasure_state: {
        user_id: string | null
        requested_by: string | null
        requested_at: string | null
        completed_at: string | null
        status: string | null
        steps: Database["public"]["CompositeTypes"]["erasure_step"][] | null
        started: boolean | null
        salons_handed_over:
          | Database["public"]["CompositeTypes"]["salon_handover"][]
          | null
      }
      erasure_step: {
        step: string | null
        status: string | null
        attempts: number | null
        last_error: string | null
        done_at: string | null
      }
      leaderboard_entry: {
        rank: number | null
        user_id: string | null
        full_name: string | null
        avatar_url: string | null
        points: number | null
        level: number | null
      }
      lesson_content: {
        lesson_id: string | null
        title: string | null
        content: string | null
        video_url: string | null
      }
      lesson_progress_answer: {
        lesson_id: string | null
        status: Database["public"]["Enums"]["progress_status"] | null
        completion_percentage: number | null
        newly_completed: boolean | null
        course_completed: boolean | null
        watch_time_seconds: number | null
        last_video_position: number | null
        completed_at: string | null
      }
      member_export: {
        exported_at: string | null
        account: Json | null
        profile: Json | null
        stats: Json | null
        salons: Json | null
        salons_owned: Json | null
        messages: Json | null
        reactions: Json | null
        invitations_sent: Json | null
        invitations_received: Json | null
        join_attempts: Json | null
        enrollments: Json | null
        courses: Json | null
        lesson_progress: Json | null
        achievements: Json | null
        activities: Json | null
        progress_history: Json | null
        emails: Json | null
        subscriptions: Json | null
        payments: Json | null
        stripe_events: Json | null
        files: Json | null
      }
      presence_state: {
        presence_status: Database["public"]["Enums"]["presence_status"] | null
        is_manual_status: boolean | null
        last_activity: string | null
        presence_expires_at: string | null
        streak_days: number | null
      }
      profile_page: {
        id: string | null
        full_name: string | null
        avatar_url: string | null
        bio: string | null
        city: string | null
        interests: string[] | null
        cover_url: string | null
        presence_status: Database["public"]["Enums"]["presence_status"] | null
        created_at: string | null
      }
      profile_view: {
        counted: boolean | null
        views_today: number | null
        limit: number | null
        profile: Database["public"]["CompositeTypes"]["profile_page"] | null
      }
      reaction_answer: {
        message_id: number | null
        emoji: string | null
        action: string | null
        reacted: boolean | null
        count: number | null
      }
      reaction_group: {
        emoji: string | null
        count: number | null
        reacted_by_me: boolean | null
        reactors: Database["public"]["CompositeTypes"]["reactor"][] | null
      }
      reactor: {
        user_id: string | null
        full_name: string | null
      }
      reply_preview: {
        id: number | null
        salon_id: string | null
        user_id: string | null
        author_name: string | null
        author_avatar: string | null
        excerpt: string | null
        is_deleted: boolean | null
        created_at: string | null
      }
      salon_answer: {
        id: string | null
        name: string | null
        description: string | null
        avatar_url: string | null
        category: string | null
        city: string | null
        color_theme: string | null
        owner_id: string | null
        is_active: boolean | null
        member_count: number | null
        message_count: number | null
        created_at: string | null
        updated_at: string | null
        owner_name: string | null
        owner_avatar: string | null
        actual_member_count: number | null
        messages_today: number | null
        share_code: string | null
        role: Database["public"]["Enums"]["salon_role"] | null
        joined_at: string | null
      }
      salon_departure: {
        salon_id: string | null
        left: boolean | null
        new_owner: string | null
        archived: boolean | null
      }
      salon_handover: {
        salon_id: string | null
        new_owner: string | null
      }
      salon_invitation_answer: {
        id: string | null
        salon_id: string | null
        token: string | null
        expires_at: string | null
        invitee_id: string | null
        invitee_email: string | null
      }
      salon_page_message: {
        id: number | null
        salon_id: string | null
        user_id: string | null
        content: string | null
        created_at: string | null
        author_name: string | null
        author_avatar: string | null
        reply_to_id: number | null
        reply_excerpt: string | null
        reply_author_name: string | null
        reactions:
          | Database["public"]["CompositeTypes"]["reaction_group"][]
          | null
      }
      salon_role_answer: {
        salon_id: string | null
        user_id: string | null
        role: Database["public"]["Enums"]["salon_role"] | null
      }
      trial_answer: {
        subscription_type:
          | Database["public"]["Enums"]["subscription_type"]
          | null
        trial_ends_at: string | null
      }
    }
  }
}

type DatabaseWithoutInternals = Omit<Database, "__InternalSupabase">

type DefaultSchema = DatabaseWithoutInternals[Extract<keyof Database, "public">]

export type Tables<
  DefaultSchemaTableNameOrOptions extends
    | keyof (DefaultSchema["Tables"] & DefaultSchema["Views"])
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends (DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof (DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"] &
        DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Views"])
    : never) = never,
> = DefaultSchemaTableNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? (DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"] &
      DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Views"])[TableName] extends {
      Row: infer R
    }
    ? R
    : never
  : DefaultSchemaTableNameOrOptions extends keyof (DefaultSchema["Tables"] &
        DefaultSchema["Views"])
    ? (DefaultSchema["Tables"] &
        DefaultSchema["Views"])[DefaultSchemaTableNameOrOptions] extends {
        Row: infer R
      }
      ? R
      : never
    : never

export type TablesInsert<
  DefaultSchemaTableNameOrOptions extends
    | keyof DefaultSchema["Tables"]
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends (DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"]
    : never) = never,
> = DefaultSchemaTableNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"][TableName] extends {
      Insert: infer I
    }
    ? I
    : never
  : DefaultSchemaTableNameOrOptions extends keyof DefaultSchema["Tables"]
    ? DefaultSchema["Tables"][DefaultSchemaTableNameOrOptions] extends {
        Insert: infer I
      }
      ? I
      : never
    : never

export type TablesUpdate<
  DefaultSchemaTableNameOrOptions extends
    | keyof DefaultSchema["Tables"]
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends (DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"]
    : never) = never,
> = DefaultSchemaTableNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"][TableName] extends {
      Update: infer U
    }
    ? U
    : never
  : DefaultSchemaTableNameOrOptions extends keyof DefaultSchema["Tables"]
    ? DefaultSchema["Tables"][DefaultSchemaTableNameOrOptions] extends {
        Update: infer U
      }
      ? U
      : never
    : never

export type Enums<
  DefaultSchemaEnumNameOrOptions extends
    | keyof DefaultSchema["Enums"]
    | { schema: keyof DatabaseWithoutInternals },
  EnumName extends (DefaultSchemaEnumNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[DefaultSchemaEnumNameOrOptions["schema"]]["Enums"]
    : never) = never,
> = DefaultSchemaEnumNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? DatabaseWithoutInternals[DefaultSchemaEnumNameOrOptions["schema"]]["Enums"][EnumName]
  : DefaultSchemaEnumNameOrOptions extends keyof DefaultSchema["Enums"]
    ? DefaultSchema["Enums"][DefaultSchemaEnumNameOrOptions]
    : never

export type CompositeTypes<
  PublicCompositeTypeNameOrOptions extends
    | keyof DefaultSchema["CompositeTypes"]
    | { schema: keyof DatabaseWithoutInternals },
  CompositeTypeName extends (PublicCompositeTypeNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[PublicCompositeTypeNameOrOptions["schema"]]["CompositeTypes"]
    : never) = never,
> = PublicCompositeTypeNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? DatabaseWithoutInternals[PublicCompositeTypeNameOrOptions["schema"]]["CompositeTypes"][CompositeTypeName]
  : PublicCompositeTypeNameOrOptions extends keyof DefaultSchema["CompositeTypes"]
    ? DefaultSchema["CompositeTypes"][PublicCompositeTypeNameOrOptions]
    : never

export const Constants = {
  public: {
    Enums: {
      badge_rarity: ["common", "uncommon", "rare", "epic", "legendary"],
      presence_status: ["online", "away", "busy", "offline"],
      progress_status: ["not_started", "in_progress", "completed"],
      salon_role: ["owner", "moderator", "member"],
      subscription_type: ["freemium", "trial", "premium"],
    },
  },
} as const

