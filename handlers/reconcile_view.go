package handlers

import (
	"strconv"
	"time"

	"instore/db"
	"instore/money"
	"instore/views"
)

func runView(r *db.ReconcileRun) views.ReconcileRunView {
	v := views.ReconcileRunView{ID: r.ID, FromDay: r.FromDay, ToDay: r.ToDay, Status: r.Status, Username: r.Username,
		StartedAt: r.StartedAt, DaysTotal: r.DaysTotal, DaysDone: r.DaysDone, OmiseSeen: r.OmiseSeen,
		LocalSeen: r.LocalSeen, Differences: r.Differences, Error: r.Error, ResyncedBy: r.ResyncedBy}
	v.FinishedAt, v.ResyncedAt = timeOrZero(r.FinishedAt), timeOrZero(r.ResyncedAt)
	return v
}

func timeOrZero(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

// itemView formats one difference: money kinds hold integer satang, shown
// as baht; status kinds hold status names, translated by the view.
func itemView(it *db.ReconcileItem) views.ReconcileItemView {
	v := views.ReconcileItemView{ChargeID: it.ChargeID, Kind: it.Kind, Detail: it.Detail, StoreID: it.StoreID,
		TerminalID: it.TerminalID, ResyncResult: it.ResyncResult}
	if it.Kind == db.DiffStatus {
		v.Ours, v.Theirs, v.IsStatus = it.Ours, it.Theirs, true
		return v
	}
	v.Ours, v.Theirs = satangText(it.Ours), satangText(it.Theirs)
	return v
}

func satangText(s string) string {
	if s == "" {
		return ""
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return s
	}
	return money.FormatTHB(n)
}
