package server

import (
	"strings"
)

// uaBrowsers are the products to look for in a User-Agent, most specific
// first: Edge, Opera and the Chinese in-app browsers also say Chrome and
// Safari, and every browser says Mozilla.
var uaBrowsers = []struct{ token, name string }{
	{"MicroMessenger/", "WeChat"},
	{"EdgA/", "Edge"}, {"EdgiOS/", "Edge"}, {"Edg/", "Edge"},
	{"OPR/", "Opera"},
	{"SamsungBrowser/", "Samsung Internet"},
	{"UCBrowser/", "UC"},
	{"QQBrowser/", "QQ Browser"},
	{"FxiOS/", "Firefox"}, {"Firefox/", "Firefox"},
	{"CriOS/", "Chrome"}, {"Chrome/", "Chrome"},
	{"Version/", "Safari"}, // Safari puts its own version there
}

// uaSystems likewise: Android says Linux, iOS says Mac OS X.
var uaSystems = []struct{ token, name string }{
	{"HarmonyOS", "HarmonyOS"}, {"OpenHarmony", "HarmonyOS"},
	{"Android", "Android"},
	{"iPhone", "iOS"}, {"iPad", "iPadOS"},
	{"Windows", "Windows"},
	{"CrOS", "ChromeOS"},
	{"Macintosh", "macOS"},
	{"Linux", "Linux"},
}

// deviceName reads a User-Agent as people name their device: "Chrome 131
// · Windows". A client that is no browser (curl, a script) keeps its first
// product token; an empty one stays empty.
func deviceName(ua string) string {
	var browser, system string
	for _, b := range uaBrowsers {
		if i := strings.Index(ua, b.token); i >= 0 {
			browser = b.name
			v := ua[i+len(b.token):]
			if end := strings.IndexAny(v, ". ;)"); end >= 0 {
				v = v[:end]
			}
			if v != "" {
				browser += " " + v
			}
			break
		}
	}
	for _, s := range uaSystems {
		if strings.Contains(ua, s.token) {
			system = s.name
			break
		}
	}
	switch {
	case browser != "" && system != "":
		return browser + " · " + system
	case browser != "" || system != "":
		return browser + system
	}
	first, _, _ := strings.Cut(strings.TrimSpace(ua), " ")
	if len(first) > 60 {
		first = first[:60]
	}
	return first
}
