-- The nation, for bench/national.py: run in order, each step in its own transaction. Parameters: :n cases, :now
-- the run's start, :p0 and :c0 the people's and cases' highest ids before (case i is case c0 + i, its person
-- p0 + i, its victim, for odd i, p0 + n + i), and the counts and names bench/national.py gives.

-- step: forces, teams, officers, providers and their staff
INSERT INTO organisations (kind, code, name, public_id, created_at, updated_at)
SELECT 'police_force', format('F%s', lpad(f::text, 2, '0')), format('Force %s', f), gen_random_uuid(), :now, :now
FROM generate_series(3, :forces) AS f;
INSERT INTO teams (organisation_id, name, public_id)
SELECT o.id, format('Team %s', t), gen_random_uuid()
FROM organisations o CROSS JOIN generate_series(1, :teams) AS t
WHERE o.kind = 'police_force' AND t > (SELECT count(*) FROM teams WHERE teams.organisation_id = o.id);
INSERT INTO organisations (kind, code, name, public_id, created_at, updated_at)
SELECT 'provider', format('P%s', lpad(p::text, 3, '0')), format('Provider %s', p), gen_random_uuid(), :now, :now
FROM generate_series(3, :providers) AS p;
INSERT INTO users (issuer, subject, kind, display_name, active, public_id, created_at, updated_at)
SELECT 'bench', format('%s-t%s-%s', 'bench-national', t.id, k), 'staff', format('Officer %s-%s', t.id, k), true,
       gen_random_uuid(), :now, :now
FROM teams t CROSS JOIN generate_series(1, :officers) AS k
WHERE k > (SELECT count(*) FROM memberships m WHERE m.team_id = t.id AND m.role = 'officer');
INSERT INTO users (issuer, subject, kind, display_name, active, public_id, created_at, updated_at)
SELECT 'bench', format('%s-p%s-%s', 'bench-national', o.id, k), 'staff', format('Worker %s-%s', o.id, k), true,
       gen_random_uuid(), :now, :now
FROM organisations o CROSS JOIN generate_series(0, 3) AS k
WHERE o.kind = 'provider' AND o.code ~ '^P[0-9]{3}$';
INSERT INTO memberships (user_id, organisation_id, team_id, role, active, created_at, updated_at)
SELECT u.id, t.organisation_id, t.id, 'officer', true, :now, :now
FROM users u JOIN teams t ON u.subject LIKE format('%s-t%s-%%', 'bench-national', t.id) WHERE u.issuer = 'bench';
INSERT INTO memberships (user_id, organisation_id, team_id, role, active, created_at, updated_at)
SELECT u.id, o.id, NULL, CASE WHEN u.subject LIKE '%-0' THEN 'provider_manager' ELSE 'caseworker' END, true,
       :now, :now
FROM users u JOIN organisations o ON u.subject LIKE format('%s-p%s-%%', 'bench-national', o.id) WHERE u.issuer = 'bench';

-- step: services
WITH f AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM organisations WHERE kind = 'police_force'),
     p AS (SELECT id, name, row_number() OVER (ORDER BY id) - 1 AS k, count(*) OVER () AS providers
           FROM organisations WHERE kind = 'provider')
INSERT INTO services (force_id, provider_id, name, category, areas, sex, delivery_modes, weekly_capacity,
                      active, public_id, created_at, updated_at)
SELECT f.id, p.id, format('%s service %s', p.name, s),
       (ARRAY['alcohol','drugs','debt','womens_service'])[1 + (p.k + s) % 4], '[]'::jsonb, 'any',
       '["in_person"]'::jsonb, 50, true, gen_random_uuid(), :now, :now
FROM f JOIN p ON p.k IN ((2 * f.k) % p.providers, (2 * f.k + 1) % p.providers)
CROSS JOIN generate_series(1, 2) AS s
WHERE NOT EXISTS (SELECT 1 FROM services x WHERE x.force_id = f.id AND x.provider_id = p.id);

-- step: the case plan
CREATE UNLOGGED TABLE bench_plan AS
WITH nt AS (SELECT count(*) AS teams FROM teams),
     t AS (SELECT id, organisation_id, row_number() OVER (ORDER BY id) - 1 AS n FROM teams),
     o AS (SELECT m.team_id, m.user_id, row_number() OVER (PARTITION BY m.team_id ORDER BY m.user_id) - 1 AS k,
                  count(*) OVER (PARTITION BY m.team_id) AS officers
           FROM memberships m WHERE m.role = 'officer' AND m.active)
SELECT i, :c0 + i AS case_id, :p0 + i AS person_id, t.id AS team_id, t.organisation_id AS force_id,
       o.user_id AS officer_id,
       :now - make_interval(secs => ((i::bigint * 7919) % (5 * 365 * 86400))::double precision) AS opened_at
FROM generate_series(1, :n) AS i CROSS JOIN nt
JOIN t ON t.n = i % nt.teams
JOIN o ON o.team_id = t.id AND o.k = (i / nt.teams) % o.officers;
ALTER TABLE bench_plan ADD PRIMARY KEY (i);
ALTER TABLE bench_plan ADD COLUMN status text, ADD COLUMN disposal text;
UPDATE bench_plan SET
    disposal = CASE WHEN i % 100 < 18 THEN 'adult_conditional_caution' ELSE 'community_resolution' END,
    status = CASE
        WHEN opened_at > :now - interval '16 weeks' THEN
            (ARRAY['issued','issued','issued','issued','completed','completed','completed','closed','draft',
                   'ready'])[1 + i % 10]
        ELSE (ARRAY['completed','completed','completed','completed','completed','completed','completed',
                    'closed','non_compliance','completed'])[1 + i % 10] END;

-- step: people (the people cautioned, and victims)
INSERT INTO people (id, given_name, family_name, date_of_birth, address, postcode, phone, preferred_channel,
                    public_id, created_at, updated_at, interpreter_needed, reminders_opt_out)
SELECT person_id, (CAST(:given AS text[]))[1 + i % array_length(CAST(:given AS text[]), 1)],
       (CAST(:surnames AS text[]))[1 + (i / 7) % array_length(CAST(:surnames AS text[]), 1)] || CASE WHEN i % 3 = 0 THEN '' ELSE (i % 97)::text END,
       date '1950-01-01' + (i % 18000)::int, format('%s High Street', 1 + i % 300),
       format('NT%s %sAB', i % 10, i % 9), format('07700 9%s', lpad((i % 100000)::text, 5, '0')), 'sms',
       gen_random_uuid(), opened_at, opened_at, false, false
FROM bench_plan;
INSERT INTO people (id, given_name, family_name, email, preferred_channel, public_id, created_at, updated_at,
                    interpreter_needed, reminders_opt_out)
SELECT :p0 + :n + i, 'Victim', format('Person%s', i), format('victim%s@example.org', i), 'email',
       gen_random_uuid(), opened_at, opened_at, false, false
FROM bench_plan WHERE i % 2 = 1;
SELECT setval('people_id_seq', (SELECT max(id) FROM people));
INSERT INTO person_special_category (person_id, ethnicity_self_defined, ethnicity_officer_observed, sex)
SELECT person_id, (ARRAY['W1','W2','A1','A2','B1','B2','M1','O1','NS'])[1 + i % 9],
       (ARRAY['IC1','IC2','IC3','IC4','IC5','IC6'])[1 + i % 6], (ARRAY['male','male','female'])[1 + i % 3]
FROM bench_plan;

-- step: cases
INSERT INTO cases (id, reference, regime, pack_version, disposal_type, status, force_id, team_id, officer_id,
                   offender_id, offence_summary, deadline, issued_on, public_id, created_at, updated_at,
                   no_victims, outcome_code, ended_on, closure_reason, closed_at)
SELECT case_id, format('RES-%s-N%s', extract(year FROM opened_at)::int, lpad(i::text, 7, '0')),
       'current_practice', '2026.1', disposal, status, force_id, team_id, officer_id, person_id,
       'Theft from a shop (value £200 or less)',
       CASE WHEN status IN ('draft', 'ready', 'closed') THEN NULL ELSE (opened_at + interval '16 weeks')::date END,
       CASE WHEN status IN ('draft', 'ready', 'closed') THEN NULL ELSE opened_at::date END,
       gen_random_uuid(), opened_at,
       CASE WHEN status IN ('issued', 'draft', 'ready') THEN opened_at ELSE opened_at + interval '60 days' END,
       i % 2 = 0,
       CASE WHEN status = 'completed' THEN CASE WHEN disposal = 'community_resolution' THEN '8' ELSE '3' END END,
       CASE WHEN status IN ('completed', 'non_compliance') THEN (opened_at + interval '60 days')::date END,
       CASE WHEN status = 'closed' THEN 'no_further_action' END,
       CASE WHEN status = 'closed' THEN opened_at + interval '3 days' END
FROM bench_plan;
SELECT setval('cases_id_seq', (SELECT max(id) FROM cases));

-- step: offences, victims, conditions, screenings, needs and documents
INSERT INTO case_offences (case_id, offence_id, committed_on, location, public_id)
SELECT case_id, (SELECT min(id) FROM offences) + i % (SELECT count(*) FROM offences), opened_at::date - 3,
       'High Street', gen_random_uuid()
FROM bench_plan;
INSERT INTO case_victims (case_id, person_id, enhanced_rights, updates_opted_in, update_channel)
SELECT case_id, :p0 + :n + i, i % 10 = 1, true, 'email' FROM bench_plan WHERE i % 2 = 1;
INSERT INTO conditions (public_id, case_id, type, subtype, purpose, details, hours, due_on, version, created_at,
                        updated_at, decided_at, standing, outcome, outcome_on)
SELECT gen_random_uuid(), p.case_id, c.type, c.subtype, c.purpose, c.details, c.hours,
       (p.opened_at + interval '8 weeks')::date, 1, p.opened_at, p.opened_at, p.opened_at, 'current',
       CASE WHEN p.status = 'completed' THEN 'completed' END,
       CASE WHEN p.status = 'completed' THEN (p.opened_at + interval '8 weeks')::date END
FROM bench_plan p CROSS JOIN (VALUES
    ('attendance', NULL, 'rehabilitative', 'Attend an alcohol awareness course', 4.00),
    ('restrictive', 'not_enter', NULL, 'Do not enter the shop on the High Street', NULL))
    AS c(type, subtype, purpose, details, hours);
INSERT INTO screenings (case_id, answers, eligible, reasons, needs_approval, screened_by_id, created_at,
                        updated_at, pack_id, pack_version)
SELECT case_id, :screening, true, '[]', '[]', officer_id, opened_at, opened_at, 'current_practice', '2026.1'
FROM bench_plan WHERE status <> 'draft';
INSERT INTO needs_assessments (case_id, levels, assessed_by_id, created_at, updated_at)
SELECT case_id, :needs, officer_id, opened_at, opened_at FROM bench_plan WHERE status <> 'draft';
INSERT INTO caution_documents (case_id, text, sha256, generated_at, signed_at, signed_by_name, witnessed_by_id,
                               pack_version, administered_by, version)
SELECT case_id, format('CONDITIONAL CAUTION
Reference: %s
', i) || repeat('The conditions, the warning. ', 40),
       md5(i::text) || md5(i::text), opened_at, opened_at, 'Signed', officer_id, '2026.1', 'sergeant_or_above', 1
FROM bench_plan WHERE status IN ('issued', 'completed', 'non_compliance');

-- step: referrals and appointments
-- What each referral sent: the demo's first referral's dataset (the sizes and parts a real one has).
WITH d AS (SELECT dataset FROM referrals ORDER BY id LIMIT 1),
     s AS (SELECT force_id, array_agg(id ORDER BY id) AS ids, array_agg(provider_id ORDER BY id) AS providers
           FROM services GROUP BY force_id),
     w AS (SELECT organisation_id, array_agg(user_id ORDER BY user_id) AS workers FROM memberships
           WHERE role = 'caseworker' GROUP BY organisation_id)
INSERT INTO referrals (case_id, condition_id, service_id, provider_id, status, dataset, referred_by_id, sent_at,
                       caseworker_id, decided_at, version, public_id, created_at, updated_at, victim_agreed,
                       ended_at, end_summary)
SELECT p.case_id, c.id, s.ids[1 + p.i % array_length(s.ids, 1)], s.providers[1 + p.i % array_length(s.ids, 1)],
       r.status, d.dataset, p.officer_id, p.opened_at + interval '1 day',
       CASE WHEN r.status <> 'sent' THEN w.workers[1 + p.i % array_length(w.workers, 1)] END,
       CASE WHEN r.status <> 'sent' THEN p.opened_at + interval '2 days' END, 1,
       gen_random_uuid(), p.opened_at, p.opened_at, false,
       CASE WHEN p.status <> 'issued' THEN p.opened_at + interval '8 weeks' END,
       CASE WHEN p.status <> 'issued' THEN 'Came to the sessions' END
FROM bench_plan p CROSS JOIN d
JOIN conditions c ON c.case_id = p.case_id AND c.type = 'attendance'
JOIN s ON s.force_id = p.force_id
JOIN w ON w.organisation_id = s.providers[1 + p.i % array_length(s.ids, 1)]
CROSS JOIN LATERAL (SELECT CASE WHEN p.status = 'issued' THEN (ARRAY['sent','accepted','in_progress'])[1 + p.i % 3]
                                WHEN p.status = 'completed' THEN 'completed' ELSE 'ended_early' END) AS r(status)
WHERE p.status IN ('issued', 'completed', 'non_compliance') AND p.i % 100 < 92;
INSERT INTO appointments (referral_id, person_id, starts_at, ends_at, mode, place, status, booked_by_id,
                          outcome, outcome_at, version, public_id, created_at, updated_at, entered_late)
SELECT r.id, cs.offender_id, r.sent_at + make_interval(days => 7 * a),
       r.sent_at + make_interval(days => 7 * a, hours => 1), 'in_person', 'The centre', 'booked',
       r.caseworker_id,
       CASE WHEN r.sent_at + make_interval(days => 7 * a) < :now THEN
            (ARRAY['attended','attended','attended','did_not_attend'])[1 + (r.id + a) % 4] END,
       CASE WHEN r.sent_at + make_interval(days => 7 * a) < :now THEN r.sent_at + make_interval(days => 7 * a) END,
       1, gen_random_uuid(), r.sent_at, r.sent_at, false
FROM referrals r JOIN cases cs ON cs.id = r.case_id CROSS JOIN generate_series(1, 3) AS a
WHERE r.status <> 'sent' AND cs.id > :c0;

-- step: timeline events
INSERT INTO timeline_events (case_id, occurred_at, actor_id, kind, detail, audiences)
SELECT p.case_id, p.opened_at + make_interval(hours => e), p.officer_id, k.kind, k.detail, k.audiences
FROM bench_plan p CROSS JOIN LATERAL generate_series(1, 4 + (p.i * 31) % 15) AS e
JOIN (VALUES (0, 'case_opened', '{"reference": "RES"}'::jsonb, 17),
             (1, 'offence_added', '{"code": "TH01", "title": "Theft from a shop"}', 1),
             (2, 'status_changed', '{"up": true, "status": "screening"}', 1),
             (3, 'screened', '{"eligible": true, "approvals": []}', 17),
             (4, 'needs_assessed', '{}', 1),
             (5, 'condition_added', '{"type": "attendance"}', 1),
             (6, 'pre_issue_checked', '{"extended": false}', 1),
             (7, 'offender_updated', '{}', 1)) AS k(n, kind, detail, audiences) ON k.n = (e - 1) % 8;

-- step: flags, messages and decision facts
INSERT INTO flags (key, case_id, kind, reason, status, raised_at, cleared_at, cleared_because, public_id)
SELECT format('deadline_passed:%s:bench', p.case_id), p.case_id, 'deadline_passed',
       'Deadline passed with conditions not done',
       CASE WHEN p.status = 'issued' AND p.i % 5 = 0 THEN 'open' ELSE 'cleared' END,
       p.opened_at + interval '16 weeks',
       CASE WHEN NOT (p.status = 'issued' AND p.i % 5 = 0) THEN p.opened_at + interval '17 weeks' END,
       CASE WHEN NOT (p.status = 'issued' AND p.i % 5 = 0) THEN 'every condition is done' END,
       gen_random_uuid()
FROM bench_plan p WHERE p.status IN ('issued', 'completed', 'non_compliance') AND p.i % 3 = 0;
INSERT INTO notifications (key, audience, person_id, case_id, medium, template, personalisation, status,
                           attempts, next_attempt_at, created_at, sent_at, public_id)
SELECT format('reminder:%s:bench', r.public_id), 'offender', cs.offender_id, r.case_id, 'sms',
       'appointment_reminder', '{"day": "Tuesday"}', 'sent', 1, r.sent_at, r.sent_at, r.sent_at, gen_random_uuid()
FROM referrals r JOIN cases cs ON cs.id = r.case_id WHERE cs.id > :c0;
CREATE UNLOGGED TABLE bench_facts AS
SELECT gen_random_uuid() AS public_id, p.case_id, p.force_id, p.team_id, f.kind, f.value, p.disposal,
       (p.opened_at + make_interval(days => f.after))::date AS decided_on, p.officer_id, p.i
FROM bench_plan p CROSS JOIN (VALUES ('eligibility', 'eligible', 0), ('disposal', NULL, 1),
                                     ('outcome', 'completed', 60)) AS f(kind, value, after)
WHERE p.status IN ('issued', 'completed', 'non_compliance') AND (f.kind <> 'outcome' OR p.status = 'completed');
INSERT INTO decision_facts (public_id, case_id, force_id, team_id, kind, value, regime, pack_version,
                            disposal_type, decided_on, quarter, decided_by_id)
SELECT public_id, case_id, force_id, team_id, kind, coalesce(value, disposal), 'current_practice', '2026.1',
       disposal, decided_on, format('%sQ%s', extract(year FROM decided_on)::int,
                                    extract(quarter FROM decided_on)::int), officer_id
FROM bench_facts;
INSERT INTO decision_fact_people (fact_id, age_band, sex, ethnicity_self_defined, ethnicity_officer_observed)
SELECT public_id, (ARRAY['18-24','25-34','35-44','45-54','55+'])[1 + i % 5],
       (ARRAY['male','male','female'])[1 + i % 3], (ARRAY['W1','W2','A1','A2','B1','B2','M1','O1','NS'])[1 + i % 9],
       (ARRAY['IC1','IC2','IC3','IC4','IC5','IC6'])[1 + i % 6]
FROM bench_facts;

-- step: the benchmark's cases
-- Two of officer-north's live cases, one with 12 events and one with 200; on the busy one, a referral to Fresh Start
-- accepted by its caseworker, with 30 appointments.
CREATE TABLE bench_marked (name text PRIMARY KEY, id int NOT NULL);
INSERT INTO bench_marked
SELECT name, id FROM (
    SELECT c.id, row_number() OVER (ORDER BY c.id) AS r FROM cases c JOIN users u ON u.id = c.officer_id
    WHERE u.subject = 'officer-north' AND u.issuer = :identity AND c.status = 'issued' AND c.id > :c0) x
JOIN (VALUES (1, 'busy'), (2, 'quiet')) AS m(r, name) ON m.r = x.r;
DELETE FROM timeline_events WHERE case_id IN (SELECT id FROM bench_marked);
-- Their events by twenty different people, as a case's officer, supervisor and providers' staff write them.
INSERT INTO timeline_events (case_id, occurred_at, actor_id, kind, detail, audiences)
SELECT m.id, c.created_at + make_interval(mins => e), a.ids[1 + e % 20],
       (ARRAY['offender_updated', 'needs_assessed', 'victim_added'])[1 + e % 3], '{}'::jsonb, 1
FROM bench_marked m JOIN cases c ON c.id = m.id
CROSS JOIN (SELECT array_agg(id ORDER BY id) AS ids FROM (SELECT id FROM users ORDER BY id LIMIT 20) u) a
CROSS JOIN LATERAL generate_series(1, CASE m.name WHEN 'busy' THEN 200 ELSE 12 END) AS e;
INSERT INTO referrals (case_id, condition_id, service_id, provider_id, status, dataset, referred_by_id, sent_at,
                       caseworker_id, decided_at, version, public_id, created_at, updated_at, victim_agreed)
SELECT c.id, k.id, s.id, s.provider_id, 'in_progress', d.dataset, c.officer_id, c.created_at,
       (SELECT id FROM users WHERE subject = 'freshstart-caseworker' AND issuer = :identity), c.created_at, 1,
       gen_random_uuid(), c.created_at, c.created_at, false
FROM bench_marked m JOIN cases c ON c.id = m.id CROSS JOIN (SELECT dataset FROM referrals ORDER BY id LIMIT 1) d
JOIN conditions k ON k.case_id = c.id AND k.type = 'attendance'
JOIN services s ON s.name = 'Alcohol awareness course' AND s.force_id = c.force_id
WHERE m.name = 'busy';
INSERT INTO bench_marked SELECT 'referral', max(id) FROM referrals;
INSERT INTO appointments (referral_id, person_id, starts_at, ends_at, mode, place, status, booked_by_id, version,
                          public_id, created_at, updated_at, entered_late)
SELECT r.id, c.offender_id, c.created_at + make_interval(days => a), c.created_at + make_interval(days => a, hours => 1),
       'in_person', 'Fresh Start', 'booked', r.caseworker_id, 1, gen_random_uuid(), c.created_at, c.created_at, false
FROM bench_marked m JOIN referrals r ON r.id = m.id JOIN cases c ON c.id = r.case_id CROSS JOIN generate_series(1, 30) AS a
WHERE m.name = 'referral';
DROP TABLE bench_plan, bench_facts;
