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
// phone_columns) and fits them to the width; a wide one shows every column again.
var SPENDANALYS_PHONE_PX = 700;
dagfuncs.fitColumnsToScreen = function (params, keep) {
    var api = params.api;
    if (!api || api.isDestroyed()) {
        return;
    }
    var narrow = window.innerWidth < SPENDANALYS_PHONE_PX;
    var all = api.getColumns() || [];
    var hide = [];
    var show = [];
    all.forEach(function (column) {
        var id = column.getColId();
        if (narrow && keep.indexOf(id) < 0) {
            hide.push(id);
        } else {
            show.push(id);
        }
    });
    api.setColumnsVisible(hide, false);
    api.setColumnsVisible(show, true);
    if (narrow) {
        api.setColumnsPinned(keep, null);
        api.sizeColumnsToFit();
    }
};
