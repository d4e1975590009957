#!/usr/bin/env python3
"""The benchmark's calls as a script for a single-user backend (postgres --single), for
counting the instructions a call costs under callgrind: each call in its own transaction,
the PostgREST way (role and claims set locally), with the inputs the pgbench workloads
draw (bench/workloads/*_aurora.sql), from a fixed seed so that aurora and the equal-work
baseline get the same calls.

usage: cpu_calls.py WORKLOAD IMPL COUNT   (IMPL: aurora | eq; WORKLOAD: floor | send |
toggle | join_leave | progress | page; page is aurora's only: get_salon_page)
"""
import random
import sys

workload, impl, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
ns = "" if impl == "aurora" else "eq."
rng = random.Random(5050)


def uid(n):
    return "00000000-0000-4000-8000-%012x" % n


def call(user, *statements):
    print("begin")
    print("set local role authenticated")
    print("select set_config('request.jwt.claims', '{\"sub\": \"%s\", \"role\": \"authenticated\"}', true)" % uid(user))
    for s in statements:
        print(s)
    print("commit")


for _ in range(count):
    if workload == "floor":
        s, k = rng.randint(2, 1000), rng.randint(1, 20)
        call(1 + ((s * 7919 + k * 104729) % 100000), "select 1", "select 1")
    elif workload == "send":
        s, k = rng.randint(2, 1000), rng.randint(1, 20)
        call(1 + ((s * 7919 + k * 104729) % 100000),
             "insert into %schat_messages (salon_id, content) values ('10000000-0000-4000-8000-%012x', "
             "'Bonjour à toutes, belle journée à vous !')" % (ns, s))
    elif workload == "toggle":
        call(rng.randint(1, 5000),
             "select %stoggle_message_reaction(%d, '👍')" % (ns, 10 * rng.randint(90000, 100000)))
    elif workload == "join_leave":
        j = rng.randint(1, 100)
        call(rng.randint(5001, 100000),
             "select %sjoin_salon_via_code('JOINB%05d')" % (ns, j),
             "select %sleave_salon('20000000-0000-4000-8000-%012x')" % (ns, j))
    elif workload == "progress":
        u, lesson, pct = 5 * rng.randint(1, 4000), rng.randint(1, 50), rng.randint(40, 100)
        call(u, "select %supdate_lesson_progress('d0000000-0000-4000-8000-%012x', 120, 300, %d)"
             % (ns, (1 + u % 7) * 100 + lesson, pct))
    elif workload == "page":
        s, k = rng.randint(2, 1000), rng.randint(1, 20)
        call(1 + ((s * 7919 + k * 104729) % 100000),
             "select count(*) from get_salon_page('10000000-0000-4000-8000-%012x')" % s)
    else:
        sys.exit("unknown workload " + workload)
