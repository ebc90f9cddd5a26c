// Size check of an upload in the browser, before it is sent (components.upload_box).
// dcc.Upload has no max_size here: with one, a too-large file is dropped without any event.
// Instead every file is read, its decoded size is computed from the data URL, and a file over
// the cap is cleared with a message in the page's language; the server's 413 is the backstop.
window.dash_clientside = Object.assign({}, window.dash_clientside, {
    spendanalys: {
        checkUpload: function (contents, filename, limits) {
            var skip = window.dash_clientside.no_update;
            if (!contents) {
                return [skip, skip, skip, skip];
            }
            var comma = contents.indexOf(",");
            var payload = contents.length - (comma + 1);
            var padding = contents.endsWith("==") ? 2 : contents.endsWith("=") ? 1 : 0;
            var bytes = Math.floor((payload * 3) / 4) - padding;
            if (bytes > limits.max_bytes) {
                var mb = (bytes / 1048576).toFixed(1).replace(".", limits.decimal);
                var text = limits.message
                    .split("{file}").join(filename || "")
                    .split("{size}").join(mb);
                return [skip, null, text, {display: "block"}];
            }
            return [
                {contents: contents, filename: filename, at: Date.now()},
                null,
                "",
                {display: "none"},
            ];
        },
    },
});
