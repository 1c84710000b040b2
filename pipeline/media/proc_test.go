package media

import "testing"

func TestLastLine(t *testing.T) {
	for in, want := range map[string]string{
		"":                                  "",
		"a\nb\n\n":                          "b",
		"[h264 @ 0x55d5a85cfa80] bad NAL\n": "[h264] bad NAL",
		"[mov,mp4,m4a,3gp,3g2,mj2 @ 0x5616] moov atom not found\nx.mp4: Invalid data found when processing input\n": "[mov,mp4,m4a,3gp,3g2,mj2] moov atom not found; x.mp4: Invalid data found when processing input",
		"real error\nConversion failed!\n":             "real error",
		"err\n    Last message repeated 1 times\n\r\n": "err",
	} {
		if got := lastLine(in); got != want {
			t.Errorf("lastLine(%q) = %q, want %q", in, got, want)
		}
	}
}
