package payments_test

import _ "modernc.org/sqlite" // the binary links the driver; the tests link it here
