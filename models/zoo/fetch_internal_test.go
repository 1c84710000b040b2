package zoo

import "testing"

func TestParseContentRange(t *testing.T) {
	for _, tc := range []struct {
		in           string
		start, total int64
		ok           bool
	}{
		{"bytes 100-199/200", 100, 200, true},
		{"bytes 0-0/1", 0, 1, true},
		{"bytes 5-9/*", 5, -1, true},
		{"bytes 5-9/9", 0, 0, false}, // total must exceed the last byte
		{"bytes 9-5/20", 0, 0, false},
		{"bytes -5-9/20", 0, 0, false},
		{"bytes */200", 0, 0, false},
		{"items 0-1/2", 0, 0, false},
		{"bytes 0-1", 0, 0, false},
		{"", 0, 0, false},
	} {
		start, total, ok := parseContentRange(tc.in)
		if ok != tc.ok || ok && (start != tc.start || total != tc.total) {
			t.Errorf("parseContentRange(%q) = %d, %d, %v; want %d, %d, %v", tc.in, start, total, ok, tc.start, tc.total, tc.ok)
		}
	}
}

func TestArchiveName(t *testing.T) {
	for _, tc := range []struct{ entryURL, src, want string }{
		{"https://example.com/a/inception5h.zip", "http://127.0.0.1:1/x.zip", "inception5h.zip"},
		{"", "http://127.0.0.1:1/mirror/m.zip?sig=1", "m.zip"},
		{"", "http://127.0.0.1:1/", "m5.zip"},
		{"::bad", "http://h/..", "m5.zip"},
	} {
		if got := archiveName(Entry{Name: "m5", URL: tc.entryURL}, tc.src); got != tc.want {
			t.Errorf("archiveName(%q, %q) = %q, want %q", tc.entryURL, tc.src, got, tc.want)
		}
	}
}
