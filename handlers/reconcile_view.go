package handlers

import (
	"strconv"
	"strings"
	"time"

	"instore/db"
	"instore/money"
	"instore/payments"
	"instore/views"
)

func runView(r *db.ReconcileRun) views.ReconcileRunView {
	v := views.ReconcileRunView{ID: r.ID, FromDay: r.FromDay, ToDay: r.ToDay, StoreID: r.StoreID, Status: r.Status, Username: r.Username,
		StartedAt: r.StartedAt, DaysTotal: r.DaysTotal, DaysDone: r.DaysDone, OmiseSeen: r.OmiseSeen,
		LocalSeen: r.LocalSeen, Differences: r.Differences, Error: r.Error, ResyncedBy: r.ResyncedBy}
	v.FinishedAt, v.ResyncedAt = timeOrZero(r.FinishedAt), timeOrZero(r.ResyncedAt)
	if r.StoreID == "" && len(r.Stores) > 0 {
		// A group's run names the stores it covered.
		v.StoreID = strings.Join(r.Stores, ", ")
	}
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
		TerminalID: it.TerminalID, ResyncResult: it.ResyncResult, SourceType: it.SourceType,
		MethodNameID: payments.MethodNameID(it.SourceType)}
	if it.Kind == db.DiffStatus {
		v.Ours, v.Theirs, v.IsStatus = it.Ours, it.Theirs, true
		return v
	}
	v.Ours, v.Theirs = satangText(it.Ours), satangText(it.Theirs)
	// An empty fee side means that side did not report the fee.
	switch it.Kind {
	case db.DiffFee, db.DiffFeeVat, db.DiffNet:
		v.OursUnknown, v.TheirsUnknown = it.Ours == "", it.Theirs == ""
	}
	return v
}

// dayView is one day and store of a run: both sides per column, the
// columns that differ, and the charges whose differences explain them.
func dayView(d db.ReconcileDay, items []*db.ReconcileItem) views.ReconcileDayView {
	v := views.ReconcileDayView{Day: d.Day, StoreID: d.StoreID}
	differ := map[string]bool{}
	for _, col := range payments.DayDiffers(d) {
		differ[col] = true
	}
	for _, col := range payments.DayCols {
		cell := views.ReconcileDayCell{Col: col, Differs: differ[col]}
		ours, theirs := payments.DayValue(d.Ours, col), payments.DayValue(d.Theirs, col)
		if payments.IsMoneyCol(col) {
			cell.Ours, cell.Theirs = money.FormatTHB(ours), money.FormatTHB(theirs)
		} else {
			cell.Ours, cell.Theirs = strconv.FormatInt(ours, 10), strconv.FormatInt(theirs, 10)
		}
		v.Cells = append(v.Cells, cell)
	}
	v.Differs = len(differ) > 0
	seen := map[string]bool{}
	for _, it := range items {
		if it.BkkDay == d.Day && it.StoreID == d.StoreID && !seen[it.ChargeID] {
			seen[it.ChargeID] = true
			v.ChargeIDs = append(v.ChargeIDs, it.ChargeID)
		}
	}
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
