// Number formats for dash-ag-grid valueFormatter functions (see components.number_formatter).
var dagfuncs = (window.dashAgGridFunctions = window.dashAgGridFunctions || {});

function spendanalysFormat(value, decimals, thousands, point) {
    if (value === null || value === undefined || value === "" || isNaN(value)) {
        return "–";
    }
    var fixed = Math.abs(Number(value)).toFixed(decimals);
    var parts = fixed.split(".");
    var whole = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, thousands);
    var text = parts.length > 1 ? whole + point + parts[1] : whole;
    return Number(value) < 0 ? "\u2212" + text : text;
}

// Swedish: 1 234,5 (no-break space); English: 1,234.5
dagfuncs.formatSv = function (value, decimals) {
    return spendanalysFormat(value, decimals, "\u00a0", ",");
};
dagfuncs.formatEn = function (value, decimals) {
    return spendanalysFormat(value, decimals, ",", ".");
};

// A narrow screen (a phone) keeps only the columns named in `keep` (components.grid's
// phone_columns), sized to share the width; a wide one gets the grid's own columns back.
var SPENDANALYS_PHONE_PX = 700;
dagfuncs.fitColumnsToScreen = function (params, keep) {
    var api = params.api;
    if (!api || api.isDestroyed()) {
        return;
    }
    var narrow = window.innerWidth < SPENDANALYS_PHONE_PX;
    if (api.__spendanalysNarrow === narrow) {
        return;
    }
    api.__spendanalysNarrow = narrow;
    if (!api.__spendanalysDefs) {
        api.__spendanalysDefs = api.getColumnDefs();
    }
    var defs = api.__spendanalysDefs;
    if (narrow) {
        defs = defs.map(function (def) {
            var kept = keep.indexOf(def.field) >= 0;
            return Object.assign({}, def, {
                hide: !kept,
                minWidth: kept ? 70 : def.minWidth,
                width: undefined,
                flex: kept ? (def.flex || 1) : def.flex,
            });
        });
    }
    api.setGridOption("columnDefs", defs);
};
