// Compiled by scripts/types.sh --check (tsc --noEmit): the client code of Aurora50 as it
// uses aurora, typed by the committed types/database.types.ts. A type that no longer fits
// what the app does fails CI here; each `@ts-expect-error` is a mistake the types must catch
// (tsc fails when such a line compiles).
import { createClient } from '@supabase/supabase-js'
import type { Database, Tables, CompositeTypes } from '../database.types'

const supabase = createClient<Database>('http://127.0.0.1:54321', 'anon-key')

type Reaction = CompositeTypes<'reaction_answer'>

export async function chatPage(salonId: string): Promise<void> {
  // the first call most code makes: every column, as a member may read them
  const { data: messages, error } = await supabase
    .from('chat_messages')
    .select('*')
    .eq('salon_id', salonId)
    .order('created_at', { ascending: false })
    .limit(50)
  if (error) throw error
  const first: Tables<'chat_messages'> | undefined = messages[0]
  const text: string | undefined = first?.content
  const replyTo: number | null | undefined = first?.reply_to_id
  void text, replyTo

  // posting is a plain insert
  await supabase.from('chat_messages').insert({ salon_id: salonId, content: 'Bonjour !' })
  // @ts-expect-error: a message needs its salon
  await supabase.from('chat_messages').insert({ content: 'Bonjour !' })

  // reactions: the answer is typed, not Json
  const toggled = await supabase.rpc('toggle_message_reaction', { message_id: 1, emoji: '👍' })
  if (toggled.error) throw toggled.error
  const r: Reaction = toggled.data
  const action: string | null = r.action
  const count: number | null = toggled.data.count
  void action, count
  // @ts-expect-error: the message is message_id, not id
  await supabase.rpc('toggle_message_reaction', { id: 1, emoji: '👍' })
  // @ts-expect-error: message_id is a number
  await supabase.rpc('toggle_message_reaction', { message_id: 'x', emoji: '👍' })
  // @ts-expect-error: the answer has no such field
  void toggled.data.reactions

  const batch = await supabase.rpc('get_all_message_reactions_batch', { message_ids: [1, 2, 3] })
  for (const row of batch.data ?? []) {
    const mine: boolean = row.reacted_by_me
    const emoji: string = row.emoji
    // the first reactors, named (a composite type, not Json)
    const names: (string | null)[] = row.reactors.map((r) => r.full_name)
    // @ts-expect-error: a reactor has no avatar in the summary
    void row.reactors.map((r) => r.avatar_url)
    void mine, emoji, names
  }

  // the whole screen in one call: messages, authors, replies, reactions
  const page = await supabase.rpc('get_salon_page', { salon_id: salonId, page_size: 50 })
  for (const m of page.data ?? []) {
    const author: string | null = m.author_name
    const excerpt: string | null = m.reply_excerpt
    const hearts = (m.reactions ?? []).filter((g) => g.emoji === '❤️' && g.reacted_by_me)
    const firstReactor: string | null | undefined = m.reactions?.[0]?.reactors?.[0]?.full_name
    void author, excerpt, hearts, firstReactor
  }
  // @ts-expect-error: page_size is a number
  await supabase.rpc('get_salon_page', { salon_id: salonId, page_size: '50' })

  const reply = await supabase.rpc('get_reply_message_info', { message_id: 2 })
  const author: string | null | undefined = reply.data?.author_name
  void author
}

export async function presence(): Promise<void> {
  const signin = await supabase.rpc('handle_user_signin')
  const streak: number | null | undefined = signin.data?.streak_days
  // closed sets are unions: a switch over them is checked, a value outside them refused
  const status: 'online' | 'away' | 'busy' | 'offline' | null | undefined = signin.data?.presence_status
  // @ts-expect-error: 'sleeping' is no presence status
  const wrong: typeof status = 'sleeping'
  void streak, status, wrong
  const beat = await supabase.rpc('rpc_update_activity')
  const expires: string | null | undefined = beat.data?.presence_expires_at
  void expires
  await supabase.rpc('rpc_set_manual_status', { status: 'busy' })
  await supabase.rpc('rpc_set_manual_status', {})
  await supabase.rpc('handle_user_signout')
}

export async function salons(code: string): Promise<void> {
  const joined = await supabase.rpc('join_salon_via_code', { code })
  const salonId: string | null | undefined = joined.data?.id
  const role: 'owner' | 'moderator' | 'member' | null | undefined = joined.data?.role
  void salonId, role
  const moderators = await supabase.from('salon_members').select('*').eq('role', 'moderator')
  void moderators.data?.map((m) => m.role)
  // @ts-expect-error: 'admin' is no salon role
  await supabase.from('salon_members').select('*').eq('role', 'admin')
  const mine = await supabase.from('my_salons').select('*')
  void mine.data?.[0]?.share_code
  const directory = await supabase.from('salons').select('*').eq('is_active', true)
  const members: number | undefined = directory.data?.[0]?.member_count
  void members
  const codes = await supabase.from('salon_share_codes').select('*')
  const firstCode: string | undefined = codes.data?.[0]?.share_code
  void firstCode
  if (salonId) {
    const left = await supabase.rpc('leave_salon', { salon_id: salonId })
    const archived: boolean | null | undefined = left.data?.archived
    void archived
  }
  // @ts-expect-error: the argument is max_entries (`limit` is PostgREST's own)
  await supabase.rpc('get_leaderboard', { limit: 10 })
  const top = await supabase.rpc('get_leaderboard', { max_entries: 10 })
  const name: string | null | undefined = top.data?.[0]?.full_name
  void name
}

export async function courses(courseId: string, lessonId: string): Promise<void> {
  // the catalogue, as anon or a member: every column
  const catalogue = await supabase.from('lessons').select('*').eq('course_id', courseId).order('lesson_number')
  for (const lesson of catalogue.data ?? []) {
    const title: string = lesson.title
    const free: boolean = lesson.is_free
    // @ts-expect-error: what a lesson teaches is not in the catalogue (get_lesson_content)
    void lesson.content, title, free
  }
  const started = await supabase.rpc('start_course', { course_id: courseId })
  const fresh: boolean | null | undefined = started.data?.newly_enrolled
  void fresh
  const lessons = await supabase.rpc('get_course_lessons', { course_id: courseId })
  for (const l of lessons.data ?? []) {
    const open: boolean | null = l.can_open
    void open
  }
  const content = await supabase.rpc('get_lesson_content', { lesson_id: lessonId })
  const video: string | null | undefined = content.data?.video_url
  void video
  const progress = await supabase.rpc('update_lesson_progress', {
    lesson_id: lessonId,
    position_seconds: 120,
    watch_time_seconds: 120,
    completion_percentage: 40,
  })
  const done: boolean | null | undefined = progress.data?.course_completed
  void done
  // @ts-expect-error: completion_percentage is a number
  await supabase.rpc('update_lesson_progress', { lesson_id: lessonId, completion_percentage: '40' })
}

export async function account(): Promise<void> {
  const me = await supabase.rpc('my_profile')
  const plan: 'freemium' | 'trial' | 'premium' | null | undefined = me.data?.subscription_type
  void plan
  // the member directory is read whole; what others may not read is in her account
  const members = await supabase.from('profiles').select('*').neq('presence_status', 'offline')
  const names: (string | null)[] = (members.data ?? []).map((p) => p.full_name)
  void names
  // @ts-expect-error: a member's email is not in profiles (member_accounts, her own row)
  void (members.data ?? []).map((p) => p.email)
  const mine = await supabase.from('my_account').select('*').single()
  const email: string | null | undefined = mine.data?.email
  void email
  await supabase.from('member_accounts').update({ bio: 'Lectrice', city: 'Lyon' }).eq('id', mine.data?.id ?? '')
  await supabase.from('profiles').update({ full_name: 'Inès' }).eq('id', mine.data?.id ?? '')
  // (my_account is read: a write answers 42501, HTTP 403 — its refusing trigger makes the
  // generator list Insert/Update for it, so tsc cannot catch that one)
  // @ts-expect-error: bio is text
  await supabase.from('member_accounts').update({ bio: 42 }).eq('id', mine.data?.id ?? '')
  const view = await supabase.rpc('record_profile_view', { profile_id: '22222222-2222-4222-8222-222222222222' })
  const city: string | null | undefined = view.data?.profile?.city
  void city
  const erasure = await supabase.rpc('delete_my_account')
  const steps = erasure.data?.steps ?? []
  void steps.map((s) => s.step)
}
