package db

// storesIn is the condition limiting col to a set of stores (a user's
// scope): nil means no limit (""), an empty set matches nothing.
func storesIn(col string, stores []string) (string, []any) {
	if stores == nil {
		return "", nil
	}
	if len(stores) == 0 {
		return "1 = 0", nil // not "0": PostgreSQL wants a boolean
	}
	return col + ` IN (` + placeholders(len(stores)) + `)`, anys(stores)
}

// storeSetArg is a set of stores as one query argument for the
// "(? = ” OR instr(?, ',' || store_id || ',') > 0)" form used where a
// query's arguments are positional: "" for no limit, else ",a,b," (an empty
// set becomes ",", which holds no store).
func storeSetArg(stores []string) string {
	if stores == nil {
		return ""
	}
	return "," + JoinStores(stores) + ","
}
