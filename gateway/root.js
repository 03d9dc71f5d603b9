/*
 * rayvr: collects one turn's result in the browser and serialises it as JSON.
 *
 * The application root document holds this script, so `rayvr` lives in
 * application scope and every turn document of the call can use it. It is
 * ECMAScript 3 on purpose: VoiceXML browsers embed old script engines, so no
 * JSON object, no Array.isArray, no let/const, no arrow functions and no
 * trailing commas.
 *
 * The result, as gateway/wire.py reads it:
 *   {"events": [{"name": "...", "message": "..."}, ...],
 *    "recognition": [{"utterance": "...", "interpretation": ..., "confidence": ...,
 *                     "inputmode": "dtmf" | "voice"}, ...],
 *    "mark": null | {"name": "...", "time": ...},
 *    "transfer": {"status": "...", "duration": ...},  (transfer turns only)
 *    "value": {"data": ...},    (only after a script, subdialog or object turn)
 *    "recording": {"duration": ..., "size": ..., "termchar": null | "#", "maxtime": false,
 *                  "kept": null | "name", "type": null | "audio/x-wav"},    (a <record>)
 *    "utterance": {"duration": ..., "size": ..., "type": ...}}               (recordutterance)
 *
 * Audio for the server (a recording, a recorded utterance) is not in the
 * JSON: it waits in rayvr.audio and the document posts it as a second
 * multipart part. Recordings kept on the platform wait in rayvr.kept, by
 * name, for later documents of the call to play.
 */
var rayvr = (function () {
    var self = {result: null, audio: undefined, kept: {}};
    var kindOf = Object.prototype.toString;

    /* A number the browser reports (perhaps as a string), or null. */
    function number(value) {
        var n;
        if (value === undefined || value === null || value === "") {
            return null;
        }
        n = Number(value);
        return isFinite(n) ? n : null;
    }

    /* A JSON string literal. Quotes, backslashes, control characters and
     * U+2028/U+2029 are escaped as \uXXXX (or \" and \\); other characters,
     * non-ASCII included, are kept as they are. */
    function quote(text) {
        var out = "", i, c, code, hex;
        for (i = 0; i < text.length; i += 1) {
            c = text.charAt(i);
            code = text.charCodeAt(i);
            if (c === "\"" || c === "\\") {
                out += "\\" + c;
            } else if (code < 0x20 || code === 0x2028 || code === 0x2029) {
                hex = code.toString(16);
                out += "\\u" + "0000".substring(hex.length) + hex;
            } else {
                out += c;
            }
        }
        return "\"" + out + "\"";
    }

    /* Start a new turn: no events, no recognition, no mark, no audio to post. */
    self.reset = function () {
        self.result = {events: [], recognition: [], mark: null};
        self.audio = undefined;
    };

    /* Whether the turn has audio to post with its result. */
    self.hasAudio = function () {
        return self.audio !== undefined && self.audio !== null;
    };

    /* Record what a <record> captured: its shadow variables, and the audio,
     * kept on the platform under `keep` or else posted with the result.
     * Nothing when there is no audio (a hang-up before recording began). */
    self.recording = function (audio, duration, size, termchar, maxtime, keep, type) {
        if (audio === undefined || audio === null) {
            return;
        }
        self.result.recording = {
            duration: number(duration),
            size: number(size),
            termchar: termchar === undefined || termchar === null || termchar === "" ? null : String(termchar),
            maxtime: maxtime === true || maxtime === "true",
            kept: keep ? String(keep) : null,
            type: type ? String(type) : null
        };
        if (keep) {
            self.kept[keep] = audio;
        } else {
            self.audio = audio;
        }
    };

    /* With recordutterance, post the recognised utterance's audio too. */
    self.utterance = function (lastresult, type) {
        if (lastresult === undefined || lastresult === null ||
                lastresult.recording === undefined || lastresult.recording === null) {
            return;
        }
        self.result.utterance = {
            duration: number(lastresult.recordingduration),
            size: number(lastresult.recordingsize),
            type: type ? String(type) : null
        };
        self.audio = lastresult.recording;
    };

    /* Record an event the browser raised (a catch's _event and _message). */
    self.event = function (name, message) {
        self.result.events.push({
            name: String(name),
            message: message === undefined || message === null ? "" : String(message)
        });
    };

    /* Copy the n-best list of application.lastresult$, best first. A browser
     * that gives a single result instead of an array gets a list of one. */
    self.recognition = function (lastresult) {
        var list = [], results = lastresult, i, entry;
        if (typeof results.length !== "number") {
            results = [results];
        }
        for (i = 0; i < results.length; i += 1) {
            entry = results[i];
            list.push({
                utterance: String(entry.utterance),
                interpretation: entry.interpretation,
                confidence: entry.confidence,
                inputmode: String(entry.inputmode)
            });
        }
        self.result.recognition = list;
    };

    /* Record the last SSML mark reached; nothing when the browser reports none. */
    self.mark = function (name, time) {
        if (name === undefined || name === null || name === "") {
            return;
        }
        self.result.mark = {name: String(name), time: time === undefined ? null : time};
    };

    /* Record how a transfer ended: its form item variable (the status) and
     * the duration shadow variable (seconds). When a cancel grammar ended it
     * (the shadow's inputmode is set), the caller's input is recorded too:
     * from application.lastresult$ if that holds the same input, else from
     * the shadow's utterance. */
    self.transfer = function (status, shadow, lastresult) {
        var duration = null, best;
        if (shadow === undefined || shadow === null) {
            shadow = {};
        }
        if (shadow.duration !== undefined && shadow.duration !== null) {
            duration = shadow.duration;
        }
        self.result.transfer = {
            status: status === undefined || status === null ? "unknown" : String(status),
            duration: duration
        };
        if (shadow.inputmode === undefined || shadow.inputmode === null) {
            return;
        }
        best = lastresult;
        if (best !== undefined && best !== null && typeof best.length === "number") {
            best = best[0];
        }
        if (best !== undefined && best !== null && String(best.inputmode) === String(shadow.inputmode) &&
                String(best.utterance) === String(shadow.utterance)) {
            self.recognition(lastresult);
            self.mark(lastresult.markname, lastresult.marktime);
        } else {
            self.result.recognition = [{
                utterance: String(shadow.utterance),
                interpretation: shadow.utterance === undefined ? null : shadow.utterance,
                confidence: 1,
                inputmode: String(shadow.inputmode)
            }];
        }
    };

    /* A copy of a value as plain data: boxed primitives unboxed, functions
     * and undefined as null, objects and arrays copied. Nesting deeper than
     * MAX_DEPTH levels (a cycle, say) is cut off as null, so serialising the
     * copy always ends. */
    var MAX_DEPTH = 32;
    function plain(value, depth) {
        var type = typeof value, kind, copy, i, key;
        if (value === null || type === "undefined" || type === "function") {
            return null;
        }
        if (type !== "object") {
            return value;
        }
        kind = kindOf.call(value);
        if (kind === "[object String]" || kind === "[object Number]" || kind === "[object Boolean]") {
            return value.valueOf();
        }
        if (depth >= MAX_DEPTH) {
            return null;
        }
        if (value instanceof Array || kind === "[object Array]") {
            copy = [];
            for (i = 0; i < value.length; i += 1) {
                copy.push(plain(value[i], depth + 1));
            }
            return copy;
        }
        copy = {};
        for (key in value) {
            if (typeof value[key] !== "function") {
                copy[key] = plain(value[key], depth + 1);
            }
        }
        return copy;
    }

    /* Record the value a script, subdialog or object turn produced. */
    self.value = function (value) {
        self.result.value = {data: plain(value, 0)};
    };

    /* Serialise a value as JSON. undefined, functions and non-finite numbers
     * become null; object properties holding functions are left out. */
    self.json = function (value) {
        var type = typeof value, kind, parts = [], i, key;
        if (value === null || type === "undefined" || type === "function") {
            return "null";
        }
        kind = kindOf.call(value);
        if (type === "string" || kind === "[object String]") {
            return quote(String(value));
        }
        if (type === "number" || kind === "[object Number]") {
            value = Number(value);
            return isFinite(value) ? String(value) : "null";
        }
        if (type === "boolean" || kind === "[object Boolean]") {
            return value.valueOf() ? "true" : "false";
        }
        if (value instanceof Array || kind === "[object Array]") {
            for (i = 0; i < value.length; i += 1) {
                parts.push(self.json(value[i]));
            }
            return "[" + parts.join(",") + "]";
        }
        for (key in value) {
            if (typeof value[key] !== "function") {
                parts.push(quote(key) + ":" + self.json(value[key]));
            }
        }
        return "{" + parts.join(",") + "}";
    };

    self.reset();
    return self;
}());
