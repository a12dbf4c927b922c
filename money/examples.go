package money

// ParseBahtCase is one worked example of the amount grammar: In parses to
// Want satang when OK, and is refused otherwise.
type ParseBahtCase struct {
	In   string
	Want int64
	OK   bool
}

// ParseBahtCases are the grammar's worked examples. They document
// ParseBaht, and every caller's tests (the till's included) run them, so
// the one grammar is checked wherever an amount is typed.
var ParseBahtCases = []ParseBahtCase{
	{"1234", 123400, true},
	{"1234.5", 123450, true},
	{"1234.50", 123450, true},
	{"1,234.50", 123450, true},
	{"1,234", 123400, true},
	{"12,345,678.09", 1234567809, true},
	{"1,000,000.00", 100000000, true},
	{"๑,๒๓๔.๕๐", 123450, true},
	{"๔๐๐๐", 400000, true},
	{"฿1,234.50", 123450, true},
	{" ฿ 1234.50 ", 123450, true},
	{"\u00a020\t", 2000, true},
	{"0020.05", 2005, true},
	{"19.99", 1999, true},
	{"0", 0, true},

	{"25,50", 0, false},   // a comma typed as a decimal point
	{"1,5", 0, false},     // the same, for refunds
	{"1,0,0,0", 0, false}, // groups of one
	{",100", 0, false},
	{"1,00", 0, false},
	{"1,2345", 0, false},
	{"1234,567", 0, false},
	{"0,100", 0, false},
	{"1,,234", 0, false},
	{"1,234,", 0, false},
	{"1,234.5,0", 0, false},
	{"๑,๕", 0, false},
	{"12.345", 0, false},
	{"1.2.3", 0, false},
	{"1.", 0, false},
	{".5", 0, false},
	{"-1", 0, false},
	{"฿-5", 0, false},
	{"+5", 0, false},
	{"1 234", 0, false},
	{"5฿", 0, false},
	{"1e5", 0, false},
	{"１２", 0, false}, // full-width digits
	{"abc", 0, false},
	{"฿", 0, false},
	{" ", 0, false},
	{"", 0, false},
	{"99999999999999999999", 0, false}, // beyond int64 satang
}
