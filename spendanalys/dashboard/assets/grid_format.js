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
