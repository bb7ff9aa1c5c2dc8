package ticket

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

// maxBatch bounds the creates one transaction writes.
const maxBatch = 64

// batchTimeout bounds one batch's transaction; the requests in it may have
// gone, and one caller's cancellation must not undo the others' tickets.
const batchTimeout = time.Minute

// createReq is one create on its way through a batch.
type createReq struct {
	t         *tenant.Tenant
	a         Actor
	in        Intake
	key, hash string
	auto      bool
	id        uuid.UUID
	now       time.Time

	// Set by the batch once its transaction has committed.
	out      *Ticket
	replayed bool
	err      error
	done     chan struct{}
}

// creates is group commit for ticket creates: the creates of a tenant that
// arrive while one of its batches is being written wait for it to commit
// and then go together in the next transaction. On its own a create sends
// about ten statements and a commit; in a batch of n, the statements (the
// idempotency keys, the numbers, the units and people, the round-robin
// turns, the tickets, their timelines) and the commit are sent once for
// all n. Nothing waits for company: a create that finds its tenant idle is
// written at once, as a batch of one.
type creates struct {
	s       *Service
	mu      sync.Mutex
	waiting map[uuid.UUID]*queue
}

// queue is a tenant's creates not yet in a batch, and its writers at work.
type queue struct {
	reqs    []*createReq
	writers int
}

// writers is how many batches of a tenant are written at once: while one
// holds the rows that batches share until it commits, the next does the
// rest of its work (claiming keys, reading units and people, building the
// tickets). More writers would only wait for those rows.
const writers = 2

func newCreates(s *Service) *creates {
	return &creates{s: s, waiting: map[uuid.UUID]*queue{}}
}

// do queues r and waits for its batch to commit. A caller that gives up
// gets ctx's error; its ticket may still be written, which a retry with
// the same Idempotency-Key finds.
func (c *creates) do(ctx context.Context, r *createReq) error {
	r.done = make(chan struct{})
	tid := r.t.ID
	c.mu.Lock()
	q := c.waiting[tid]
	if q == nil {
		q = &queue{}
		c.waiting[tid] = q
	}
	q.reqs = append(q.reqs, r)
	start := q.writers < writers
	if start {
		q.writers++
	}
	c.mu.Unlock()
	if start {
		go c.drain(tid, q)
	}
	select {
	case <-r.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// drain writes the tenant's waiting creates, a batch at a time, until none
// is left. A tenant's queue exists exactly while a writer drains it.
func (c *creates) drain(tid uuid.UUID, q *queue) {
	for {
		c.mu.Lock()
		if len(q.reqs) == 0 {
			if q.writers--; q.writers == 0 {
				delete(c.waiting, tid)
			}
			c.mu.Unlock()
			return
		}
		n := min(len(q.reqs), maxBatch)
		batch := q.reqs[:n:n]
		q.reqs = q.reqs[n:]
		c.mu.Unlock()
		c.write(batch)
		for _, r := range batch {
			close(r.done)
		}
	}
}

// write commits a batch. When one create of it fails, the transaction
// undoes them all, so each is then written on its own: a request's error
// is only ever its own.
func (c *creates) write(batch []*createReq) {
	ctx, cancel := context.WithTimeout(context.Background(), batchTimeout)
	defer cancel()
	err := c.commit(ctx, batch)
	if err == nil {
		return
	}
	if len(batch) == 1 {
		batch[0].err = err
		return
	}
	for _, r := range batch {
		r.err = c.commit(ctx, []*createReq{r})
	}
}

// commit writes a batch in one transaction; the results are set only if it
// commits.
func (c *creates) commit(ctx context.Context, batch []*createReq) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("ticket: create panicked: %v", p)
		}
	}()
	var made []*Ticket
	var replayed []bool
	err = c.s.db.InTenant(ctx, batch[0].t.ID, func(ctx context.Context, tx bun.Tx) error {
		var err error
		made, replayed, err = c.s.insertBatch(ctx, tx, batch)
		return err
	})
	if err != nil {
		return err
	}
	for i, r := range batch {
		r.out, r.replayed = made[i], replayed[i]
	}
	return nil
}

// insertBatch writes the tickets of a batch of one tenant's creates in tx:
// made[i] is batch[i]'s ticket, or replayed[i] is true when its
// Idempotency-Key was already taken.
func (s *Service) insertBatch(ctx context.Context, tx bun.Tx, batch []*createReq) (made []*Ticket, replayed []bool, err error) {
	made, replayed = make([]*Ticket, len(batch)), make([]bool, len(batch))
	// The keys are claimed first: a retry racing the original waits here
	// for it to commit, then finds the key taken. In one order, so that
	// two batches sharing keys cannot deadlock.
	var keys []*idempotency
	for _, r := range batch {
		if r.key != "" {
			keys = append(keys, &idempotency{TenantID: r.t.ID, UserID: r.a.UserID, Key: r.key, RequestHash: r.hash, TicketID: r.id, CreatedAt: r.now})
		}
	}
	if len(keys) > 0 {
		slices.SortFunc(keys, func(a, b *idempotency) int {
			return cmp.Or(cmp.Compare(a.UserID.String(), b.UserID.String()), cmp.Compare(a.Key, b.Key))
		})
		claimed, err := s.claimKeys(ctx, tx, keys)
		if err != nil {
			return nil, nil, err
		}
		for i, r := range batch {
			replayed[i] = r.key != "" && !slices.Contains(claimed, r.id)
		}
	}

	refs, err := loadRefs(ctx, tx, s.db.Postgres(), batch[0].t.ID, batch)
	if err != nil {
		return nil, nil, err
	}
	var (
		tickets []*Ticket
		entries []*Entry
		jobs    []river.InsertManyParams
		works   []*work
		dealt   = turns{}
	)
	for i, r := range batch {
		if replayed[i] {
			continue
		}
		tk, cal, err := s.newTicket(ctx, tx, refs, r.t, r.a, r.in, r.id, "", r.now)
		if err != nil {
			return nil, nil, err
		}
		w := &work{s: s, tx: tx, t: r.t, tk: tk, now: r.now, cal: cal, jobs: &jobs, turns: dealt}
		if r.auto {
			// Routed before the row is written, so that it is written once.
			// No rule, or a rule whose team has since been archived, leaves
			// the ticket to a dispatcher rather than refusing the intake.
			switch err := w.route(ctx, Assignment{}); {
			case err == nil:
				tk.Status = Dispatched
			case !errors.Is(err, ErrNoTeam) && !errors.Is(err, ErrTeamNotInEstate):
				return nil, nil, err
			}
		}
		// The warning and the timer go on the row before it is written.
		if err := w.scheduleDeadlines(ctx); err != nil {
			return nil, nil, err
		}
		tickets, works = append(tickets, tk), append(works, w)
		made[i] = tk
	}
	// The rows that a batch locks until it commits — the day's counter and
	// the round-robin members — are taken last, so that the next batch can
	// do everything above while this one holds them.
	numbers, err := s.number(ctx, tx, batch, replayed)
	if err != nil {
		return nil, nil, err
	}
	for i, tk := range made {
		if tk != nil {
			tk.Number = numbers[i]
		}
	}
	if err := s.deal(ctx, tx, batch[0].t.ID, batch[len(batch)-1].now, dealt); err != nil {
		return nil, nil, err
	}
	for _, w := range works {
		actor := &w.tk.CreatedBy
		e := newEntry(w.tk, w.now, actor, KindCreated)
		e.ToStatus = Received
		entries = append(entries, e)
		if w.tk.Status == Dispatched {
			e := newEntry(w.tk, w.now, actor, string(Dispatch))
			e.FromStatus, e.ToStatus = Received, Dispatched
			b, _ := json.Marshal(w.routeData())
			e.Data = string(b)
			entries = append(entries, e)
		}
	}
	if len(tickets) > 0 {
		if err := s.insertRows(ctx, tx, &tickets); err != nil {
			return nil, nil, err
		}
		if err := s.insertRows(ctx, tx, &entries); err != nil {
			return nil, nil, err
		}
	}
	// What refers to the rows comes after them.
	for _, w := range works {
		if w.tk.Major {
			if err := w.escalateOn(ctx, OnMajor); err != nil {
				return nil, nil, err
			}
		}
		if err := w.publish(ctx, EventCreated); err != nil {
			return nil, nil, err
		}
		if w.tk.Status == Dispatched {
			if err := w.publish(ctx, EventStatusChanged); err != nil {
				return nil, nil, err
			}
		}
	}
	if err := s.jobs.InsertManyTx(ctx, tx, jobs); err != nil {
		return nil, nil, err
	}
	return made, replayed, nil
}

// claimKeys inserts the Idempotency-Keys not taken yet and returns their
// tickets' IDs.
func (s *Service) claimKeys(ctx context.Context, tx bun.Tx, keys []*idempotency) ([]uuid.UUID, error) {
	var claimed []uuid.UUID
	if !s.db.Postgres() {
		err := tx.NewInsert().Model(&keys).On("CONFLICT DO NOTHING").Returning("ticket_id").Scan(ctx, &claimed)
		return claimed, err
	}
	// Bound and prepared on PostgreSQL, as a batch's other writes.
	q, args := database.BoundInsert(tx, keys, "ON CONFLICT DO NOTHING RETURNING ticket_id")
	rows, err := database.QueryBound(ctx, tx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id uuid.UUID
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		claimed = append(claimed, id)
	}
	return claimed, rows.Err()
}

// insertRows inserts a batch's rows (a pointer to a slice of models): on
// PostgreSQL with bound parameters, through a statement each connection
// prepares once, so that PostgreSQL neither parses nor plans the batch's
// values.
func (s *Service) insertRows(ctx context.Context, tx bun.Tx, rows any) error {
	if !s.db.Postgres() {
		_, err := tx.NewInsert().Model(rows).Exec(ctx)
		return err
	}
	q, args := database.BoundInsert(tx, rows, "")
	return database.ExecBound(ctx, tx, q, args...)
}

// number gives the batch's creates that are not replays their numbers, in
// the batch's order.
func (s *Service) number(ctx context.Context, tx bun.Tx, batch []*createReq, replayed []bool) ([]string, error) {
	out := make([]string, len(batch))
	days := make([]string, len(batch))
	count := map[string]int{}
	var order []string // a batch around midnight spans two days
	for i, r := range batch {
		if replayed[i] {
			continue
		}
		days[i] = dayOf(r.now, r.t.Location())
		if count[days[i]] == 0 {
			order = append(order, days[i])
		}
		count[days[i]]++
	}
	next := map[string]int64{}
	for _, day := range order {
		first, err := takeNumbers(ctx, tx, batch[0].t.ID, day, count[day])
		if err != nil {
			return nil, err
		}
		next[day] = first
	}
	for i := range batch {
		if days[i] != "" {
			out[i] = FormatNumber(days[i], next[days[i]])
			next[days[i]]++
		}
	}
	return out, nil
}

// createOne is Create's path once the request is checked.
func (s *Service) createOne(ctx context.Context, r *createReq) (*Created, error) {
	err := s.creates.do(ctx, r)
	if err == nil {
		err = r.err
	}
	if r.key != "" && (r.replayed || errors.Is(database.Normalize(err), database.ErrConflict)) {
		// The key was used before, or raced in from another connection
		// and won: answer with that request's ticket.
		if c, rerr := s.replay(ctx, r.t.ID, r.a, r.key, r.hash); c != nil || rerr != nil {
			return c, rerr
		}
	}
	if err != nil {
		return nil, database.Normalize(err)
	}
	if r.out == nil {
		// Replayed, but the first request's row is gone (its key outlived
		// the ticket): nothing to answer with.
		return nil, database.ErrNotFound
	}
	return &Created{Ticket: r.out}, nil
}

// intakeRefs are the units and people a batch of intakes names, read in one
// query: units[unit] is its estate, people[{person, estate}] the person's
// name when they live or lived in a unit of that estate.
type intakeRefs struct {
	units  map[uuid.UUID]uuid.UUID
	people map[personEstate]string
}

type personEstate struct{ person, estate uuid.UUID }

func loadRefs(ctx context.Context, tx bun.Tx, postgres bool, tenantID uuid.UUID, batch []*createReq) (*intakeRefs, error) {
	refs := &intakeRefs{units: map[uuid.UUID]uuid.UUID{}, people: map[personEstate]string{}}
	var units, people []uuid.UUID
	for _, r := range batch {
		if r.in.UnitID != nil {
			units = append(units, *r.in.UnitID)
		}
		if r.in.PersonID != nil {
			people = append(people, *r.in.PersonID)
		}
	}
	if len(units)+len(people) == 0 {
		return refs, nil
	}
	var rows []refRow
	var err error
	if postgres {
		rows, err = refRowsPG(ctx, tx, tenantID, units, people)
	} else {
		rows, err = refRowsSQLite(ctx, tx, tenantID, units, people)
	}
	if err != nil {
		return nil, err
	}
	for _, row := range rows {
		if row.Person == nil {
			refs.units[row.ID] = row.Estate
		} else {
			refs.people[personEstate{row.ID, row.Estate}] = row.Name
		}
	}
	return refs, nil
}

// refRow is a unit with its estate (Person nil), or a person with an estate
// they live or lived in.
type refRow struct {
	Person *uuid.UUID `bun:"person"`
	ID     uuid.UUID  `bun:"id"`
	Estate uuid.UUID  `bun:"estate_id"`
	Name   string     `bun:"name"`
}

// refRowsPG reads the refs with one prepared statement: this runs for
// every batch of creates.
func refRowsPG(ctx context.Context, tx bun.Tx, tenantID uuid.UUID, units, people []uuid.UUID) ([]refRow, error) {
	rs, err := database.QueryBound(ctx, tx, `SELECT NULL::uuid, u.id, u.estate_id, '' FROM units AS u
		WHERE u.tenant_id = $1 AND u.id = ANY($2::uuid[])
		UNION ALL
		SELECT DISTINCT p.id, p.id, lu.estate_id, p.name FROM persons AS p
		JOIN unit_persons AS l ON l.tenant_id = p.tenant_id AND l.person_id = p.id
		JOIN units AS lu ON lu.tenant_id = l.tenant_id AND lu.id = l.unit_id
		WHERE p.tenant_id = $1 AND p.id = ANY($3::uuid[])`, tenantID, units, people)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var out []refRow
	for rs.Next() {
		var r refRow
		var person uuid.NullUUID
		if err := rs.Scan(&person, &r.ID, &r.Estate, &r.Name); err != nil {
			return nil, err
		}
		if person.Valid {
			r.Person = &person.UUID
		}
		out = append(out, r)
	}
	return out, rs.Err()
}

func refRowsSQLite(ctx context.Context, tx bun.Tx, tenantID uuid.UUID, units, people []uuid.UUID) ([]refRow, error) {
	// bun.In of an empty list would be IN (), which is no SQL.
	none := []uuid.UUID{uuid.Nil}
	if len(units) == 0 {
		units = none
	}
	if len(people) == 0 {
		people = none
	}
	var rows []refRow
	err := tx.NewRaw(`SELECT NULL AS person, u.id, u.estate_id, '' AS name FROM units AS u
		WHERE u.tenant_id = ? AND u.id IN (?)
		UNION ALL
		SELECT DISTINCT p.id, p.id, lu.estate_id, p.name FROM persons AS p
		JOIN unit_persons AS l ON l.tenant_id = p.tenant_id AND l.person_id = p.id
		JOIN units AS lu ON lu.tenant_id = l.tenant_id AND lu.id = l.unit_id
		WHERE p.tenant_id = ? AND p.id IN (?)`,
		tenantID, bun.In(units), tenantID, bun.In(people)).Scan(ctx, &rows)
	return rows, err
}
