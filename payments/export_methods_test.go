package payments

// SetMethodsForTest replaces the registry for one test and returns what
// puts it back; tests use it to try a method the build does not ship yet.
func SetMethodsForTest(ms []*Method) (restore func()) {
	saved := methods
	methods = ms
	return func() { methods = saved }
}
