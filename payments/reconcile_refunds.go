package payments

import (
	"context"
	"slices"

	"instore/db"
	"instore/omise"
)

// reconcileDayRefunds compares the refunds made on day at Omise with ours
// of that day, for the charges of other days: the daily report counts a
// refund on the day it was made, so a run over that day must account for
// it even when its charge was made earlier (the charges of day itself,
// listed by Omise in seen, had their refunds compared already). A charge
// we hold no copy of is read from Omise to learn its store.
func (s *Service) reconcileDayRefunds(ctx context.Context, run *db.ReconcileRun, day string, seen map[string]struct{}) ([]db.ReconcileItem, error) {
	from, to, err := DayBounds(day)
	if err != nil {
		return nil, err
	}
	var theirs []omise.Refund
	for offset := 0; ; {
		page, err := s.Omise.ListRefunds(ctx, omise.ListParams{From: from, To: to, Offset: offset, Limit: reconcilePage, Order: omise.OrderChronological})
		if err != nil {
			return nil, err
		}
		for _, r := range page.Data {
			// Omise's "to" is inclusive: a refund at the next midnight is the next day's.
			if _, done := seen[r.Charge]; !done && BusinessDay(r.CreatedAt) == day {
				theirs = append(theirs, r)
			}
		}
		offset += len(page.Data)
		if len(page.Data) < reconcilePage || (page.Total > 0 && offset >= page.Total) {
			break
		}
	}
	ours, err := s.DB.ListDayRefunds(ctx, db.FinanceFilter{FromDay: day, StoreID: run.StoreID, Stores: runLimit(run)})
	if err != nil {
		return nil, err
	}
	held := make(map[string]bool, len(ours))
	for i := range ours {
		held[ours[i].ID] = true
	}
	chargeIDs := make([]string, 0, len(theirs))
	for _, r := range theirs {
		chargeIDs = append(chargeIDs, r.Charge)
	}
	charges, err := s.DB.ChargesByIDs(ctx, chargeIDs)
	if err != nil {
		return nil, err
	}
	ourIDs, err := s.DB.RefundIDsByCharges(ctx, chargeIDs)
	if err != nil {
		return nil, err
	}
	var items []db.ReconcileItem
	atOmise := make(map[string]bool, len(theirs))
	for _, r := range theirs {
		atOmise[r.ID] = true
		if held[r.ID] {
			continue
		}
		c := charges[r.Charge]
		if c == nil {
			oc, err := s.Omise.GetCharge(ctx, r.Charge)
			if err != nil && omise.ErrorCode(err) != "not_found" {
				return nil, err
			}
			if oc == nil {
				oc = &omise.Charge{ID: r.Charge}
			}
			c = fromOmise(oc)
		}
		if !runCovers(run, c.StoreID) || slices.Contains(ourIDs[r.Charge], r.ID) {
			// Another store's, or ours under its own day (a refund's day
			// is that of its creation time, the same on both sides).
			continue
		}
		items = append(items, s.item(r.Charge, db.DiffRefundMissingHere, "", satang(r.Amount), r.ID, c.StoreID, c.TerminalID))
	}
	for i := range ours {
		r := &ours[i]
		if _, done := seen[r.ChargeID]; done || r.ChargeDay == day || atOmise[r.ID] {
			// Compared with its charge, or its charge of this day is
			// missing at Omise and flagged as such.
			continue
		}
		items = append(items, s.item(r.ChargeID, db.DiffRefundMissingAtOmise, satang(r.Amount), "", r.ID, r.StoreID, r.TerminalID))
	}
	return items, nil
}
