// Accessible names for the parts of Dash's own components that come without one (dcc.Upload's
// file input, dcc.Slider's thumb and number box, dcc.Dropdown's focus target). A wrapper with
// `data-a11y-label` (components.labelled) gives its name to the unnamed controls inside it; the
// dropdown's focus target, which takes the keyboard focus, is named by its <label> once it is no
// longer hidden from assistive technology. Re-applied whenever Dash renders new content.
(function () {
    function nameControls(root) {
        root.querySelectorAll("[data-a11y-label]").forEach(function (box) {
            var label = box.getAttribute("data-a11y-label");
            box.querySelectorAll("input, [role=slider], button").forEach(function (el) {
                if (!el.hasAttribute("aria-label") && !el.hasAttribute("aria-labelledby")) {
                    el.setAttribute("aria-label", label);
                }
            });
        });
        root.querySelectorAll(".dash-dropdown-focus-target[aria-hidden]").forEach(function (el) {
            el.removeAttribute("aria-hidden");
        });
    }
    var scheduled = false;
    function schedule() {
        if (scheduled) {
            return;
        }
        scheduled = true;
        window.requestAnimationFrame(function () {
            scheduled = false;
            nameControls(document);
        });
    }
    function start() {
        nameControls(document);
        new MutationObserver(schedule).observe(document.body, {
            childList: true,
            subtree: true,
            attributes: true,
            attributeFilter: ["aria-hidden"],
        });
    }
    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", start);
    } else {
        start();
    }
})();

// The drill-down: when it has rendered, bring it into view and move the focus to its heading
// (pages/inkop.py), so a click in the ranking visibly leads somewhere.
window.dash_clientside = Object.assign({}, window.dash_clientside, {
    spendanalys_a11y: {
        // The overview's "Skriv ut" button: the browser's print (the print stylesheet applies).
        printPage: function (clicks) {
            if (clicks) {
                window.print();
            }
            return window.dash_clientside.no_update;
        },
        scrollToDrilldown: function (children) {
            var target = document.getElementById("drilldown-title");
            if (children && target) {
                window.requestAnimationFrame(function () {
                    target.scrollIntoView({behavior: "smooth", block: "start"});
                    target.focus({preventScroll: true});
                });
            }
            return window.dash_clientside.no_update;
        },
    },
});
