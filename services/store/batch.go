package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/veche/veche/bulletin"
)

// Statements for many rows at once. A transaction that writes a group of
// rows with one statement per row pays one round trip (PostgreSQL) or one
// SQL compilation (SQLite, whose statements database/sql does not cache
// inside a transaction) per row; these helpers pay one per group.

// maxParams bounds the placeholders of one statement (SQLite allows
// 32,766, PostgreSQL 65,535): a larger insert is split into several
// statements.
const maxParams = 8000

// identifier matches the table and column names the helpers accept: they
// are written into the SQL text, so they must be the caller's constants.
var identifier = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

// ReserveIDs reserves n values of table's auto-generated integer key
// column (INTEGER PRIMARY KEY AUTOINCREMENT on SQLite, an identity or
// serial column on PostgreSQL and CockroachDB) inside tx and returns them
// in increasing order, so that the caller can insert rows with explicit
// keys it knows in advance (a receipt that carries its row's key is signed
// before the row is written). No other transaction gets them:
//
//   - SQLite: the table's sqlite_sequence entry, the largest key ever
//     used, is advanced by n in tx (SQLite has one writer at a time; a
//     rollback releases them); the values are consecutive.
//   - PostgreSQL: n values of the column's sequence (nextval), in
//     increasing order but not always consecutive; a rollback leaves a
//     gap, as it does for rows inserted without explicit keys.
//
// Rows inserted later with the default key get keys above them. table and
// column must be constants of the caller (lowercase SQL identifiers).
func (db *DB) ReserveIDs(ctx context.Context, tx Tx, table, column string, n int) ([]int64, error) {
	if !identifier.MatchString(table) || !identifier.MatchString(column) {
		return nil, fmt.Errorf("store: reserve ids: %q.%q is not a plain identifier", table, column)
	}
	if n <= 0 {
		return nil, nil
	}
	if db.dialect == SQLite {
		var (
			seq    sql.NullInt64
			exists = true
		)
		err := tx.QueryRowContext(ctx, "SELECT seq FROM sqlite_sequence WHERE name = $1", table).Scan(&seq)
		if errors.Is(err, sql.ErrNoRows) {
			exists, err = false, nil
		}
		if err != nil {
			return nil, fmt.Errorf("store: reserve ids of %s: %w", table, err)
		}
		// sqlite_sequence holds the largest key ever used; a key inserted
		// by hand above it would also be above this.
		var top sql.NullInt64
		if err := tx.QueryRowContext(ctx, "SELECT MAX("+column+") FROM "+table).Scan(&top); err != nil {
			return nil, fmt.Errorf("store: reserve ids of %s: %w", table, err)
		}
		base := max(seq.Int64, top.Int64)
		q := "UPDATE sqlite_sequence SET seq = $2 WHERE name = $1"
		if !exists {
			q = "INSERT INTO sqlite_sequence (name, seq) VALUES ($1, $2)"
		}
		if _, err := tx.ExecContext(ctx, q, table, base+int64(n)); err != nil {
			return nil, fmt.Errorf("store: reserve ids of %s: %w", table, err)
		}
		ids := make([]int64, n)
		for i := range ids {
			ids[i] = base + 1 + int64(i)
		}
		return ids, nil
	}
	rows, err := tx.QueryContext(ctx, "SELECT nextval(pg_get_serial_sequence($1, $2)) FROM generate_series(1, $3)", table, column, n)
	if err != nil {
		return nil, fmt.Errorf("store: reserve ids of %s: %w", table, err)
	}
	defer rows.Close()
	ids := make([]int64, 0, n)
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: reserve ids of %s: %w", table, err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: reserve ids of %s: %w", table, err)
	}
	if len(ids) != n {
		return nil, fmt.Errorf("store: reserve ids of %s: got %d of %d", table, len(ids), n)
	}
	slices.Sort(ids)
	return ids, nil
}

// InsertRows inserts rows into table, each a value per column, with as
// few multi-row INSERT statements as the placeholder limit allows. table
// and columns must be constants of the caller (lowercase SQL identifiers).
func (db *DB) InsertRows(ctx context.Context, tx Tx, table string, columns []string, rows [][]any) error {
	if !identifier.MatchString(table) || len(columns) == 0 {
		return fmt.Errorf("store: insert into %q: not a plain identifier, or no columns", table)
	}
	for _, c := range columns {
		if !identifier.MatchString(c) {
			return fmt.Errorf("store: insert into %s: column %q is not a plain identifier", table, c)
		}
	}
	head := "INSERT INTO " + table + " (" + strings.Join(columns, ", ") + ") VALUES "
	per := max(1, maxParams/len(columns))
	for len(rows) > 0 {
		chunk := rows[:min(per, len(rows))]
		rows = rows[len(chunk):]
		var sb strings.Builder
		sb.WriteString(head)
		args := make([]any, 0, len(chunk)*len(columns))
		for i, r := range chunk {
			if len(r) != len(columns) {
				return fmt.Errorf("store: insert into %s: a row of %d values for %d columns", table, len(r), len(columns))
			}
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteByte('(')
			sb.WriteString(db.Placeholders(len(args)+1, len(r)))
			sb.WriteByte(')')
			args = append(args, r...)
		}
		if _, err := tx.ExecContext(ctx, sb.String(), db.Uncached(args...)...); err != nil {
			return fmt.Errorf("store: insert into %s: %w", table, err)
		}
	}
	return nil
}

// Uncached returns args for a statement whose text changes with the
// number of its arguments (an IN list, a multi-row insert): on PostgreSQL
// and CockroachDB, with pgx's option to send it without preparing it (one
// round trip, typed by the Go values: int64, string, []byte, nil), so that
// such statements do not fill pgx's per-connection statement cache and
// evict the prepared statements that recur (measured: twice the casts per
// second of the ballot box's group commit on PostgreSQL); on SQLite as
// they are.
func (db *DB) Uncached(args ...any) []any {
	if db.dialect == SQLite {
		return args
	}
	return append([]any{pgx.QueryExecModeExec}, args...)
}

// Placeholders returns the placeholders of arguments from to from+n-1,
// for an IN (...) list or the values of a row: "$from, $from+1, ..." on
// PostgreSQL; "?, ?, ..." on SQLite, where a bare ? is the argument after
// the highest one the statement names before it. So the list must follow,
// in the statement's text, every placeholder of a lower argument and
// precede every other. (SQLite reads $N as a named parameter and looks
// each one up in a list: a statement with thousands of them costs
// quadratic time to prepare and to bind; bare ?s cost none.)
func (db *DB) Placeholders(from, n int) string {
	if db.dialect == SQLite {
		return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
	}
	return placeholders(from, n)
}

// placeholders returns "$from, $from+1, ..., $from+n-1".
func placeholders(from, n int) string {
	var sb strings.Builder
	for i := range n {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteByte('$')
		sb.WriteString(strconv.Itoa(from + i))
	}
	return sb.String()
}

// EnqueueBatch is [Enqueue] with two statements for any number of
// messages: it reserves their ids ([DB.ReserveIDs]) and inserts them with
// [DB.InsertRows]. The ids are increasing in the order of msgs, as
// Enqueue's.
func (db *DB) EnqueueBatch(ctx context.Context, tx Tx, topic bulletin.TopicID, msgs ...bulletin.Message) ([]int64, error) {
	for i, m := range msgs {
		if !m.Kind.Valid() {
			return nil, fmt.Errorf("store: enqueue: message %d: %w (%d)", i, bulletin.ErrUnknownKind, uint16(m.Kind))
		}
	}
	ids, err := db.ReserveIDs(ctx, tx, "outbox", "id", len(msgs))
	if err != nil || len(msgs) == 0 {
		return ids, err
	}
	now := time.Now().UnixMicro()
	rows := make([][]any, len(msgs))
	for i, m := range msgs {
		payload := m.Payload
		if payload == nil {
			payload = []byte{}
		}
		rows[i] = []any{ids[i], topic[:], int64(m.Kind), payload, now}
	}
	if err := db.InsertRows(ctx, tx, "outbox", []string{"id", "topic", "kind", "payload", "created"}, rows); err != nil {
		return nil, fmt.Errorf("store: enqueue: %w", err)
	}
	return ids, nil
}
