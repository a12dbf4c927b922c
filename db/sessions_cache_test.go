package db

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"
)

// A session read is reused only until the next commit to the file: a
// change made by this process or by another one on the same file (the
// CLI) is seen by the next read, and what a caller does to the session it
// got changes nothing for the next.
func TestGetSessionSeesEveryCommit(t *testing.T) {
	t.Parallel()
	d := openTestDB(t)
	if d.pg {
		t.Skip("PostgreSQL reads the session every time")
	}
	ctx := context.Background()
	u, err := d.CreateUser(ctx, Actor{Username: "test"}, NewUser{Username: "till1", Role: RoleAdmin, PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 6, 5, 0, 0, 0, time.UTC)
	if err := d.CreateSession(ctx, "sid-1", u.ID, "", "", now, now.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	read := func() *Session {
		t.Helper()
		s, err := d.GetSession(WithCommitMemo(ctx), "sid-1")
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	first := read()
	first.User.Disabled, first.User.Username, first.SeenAt = true, "changed by the caller", time.Time{}
	if again := read(); again.User.Disabled || again.User.Username != "till1" || !again.SeenAt.Equal(now) {
		t.Fatalf("a caller's change reached the next read: %+v %+v", again, again.User)
	}

	if err := d.TouchSession(ctx, "sid-1", now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if s := read(); !s.SeenAt.Equal(now.Add(time.Minute)) {
		t.Fatalf("touch not seen: %v", s.SeenAt)
	}
	if _, err := d.SetUserDisplayName(ctx, Actor{Username: "test"}, u.ID, "Somchai"); err != nil {
		t.Fatal(err)
	}
	if s := read(); s.User.DisplayName != "Somchai" {
		t.Fatal("the user's new name not seen")
	}

	// Another connection on the file, as the CLI in another process.
	other, err := sql.Open("sqlite", "file:"+d.Path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.ExecContext(ctx, `UPDATE users SET disabled = 1, session_epoch = session_epoch + 1 WHERE id = ?`, u.ID); err != nil {
		t.Fatal(err)
	}
	if s := read(); !s.User.Disabled || s.User.SessionEpoch != first.User.SessionEpoch+1 {
		t.Fatalf("another process's change not seen: %+v", s.User)
	}
	if _, err := other.ExecContext(ctx, `DELETE FROM user_sessions`); err != nil {
		t.Fatal(err)
	}
	if _, err := d.GetSession(WithCommitMemo(ctx), "sid-1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a session deleted elsewhere still read: %v", err)
	}
}
