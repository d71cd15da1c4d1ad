//! ITU-T E.164 country calling codes → ISO 3166-1 alpha-2 region, matched longest-prefix.
//!
//! Data derived from Google libphonenumber's region metadata (Apache-2.0, see
//! `src/routing/data/README.md`): one entry per calling code naming its main region, plus the
//! North American Numbering Plan area codes that belong to Canada and the Caribbean (`1NPA`) and
//! Kazakhstan's `+77` inside Russia's `+7`. Other shared codes (for example `+44` for GB, GG, JE
//! and IM) resolve to their main region only. Non-geographic codes (`+800`, `+882` …) are absent,
//! so such numbers are rejected rather than routed by a guess.

/// `(calling code digits, ISO alpha-2)`, sorted by code so lookups can binary-search.
const COUNTRY_CODES: &[(&str, &str)] = &[
    ("1", "US"),
    ("1204", "CA"),
    ("1226", "CA"),
    ("1236", "CA"),
    ("1242", "BS"),
    ("1246", "BB"),
    ("1249", "CA"),
    ("1250", "CA"),
    ("1257", "CA"),
    ("1263", "CA"),
    ("1264", "AI"),
    ("1268", "AG"),
    ("1273", "CA"),
    ("1284", "VG"),
    ("1289", "CA"),
    ("1306", "CA"),
    ("1340", "VI"),
    ("1343", "CA"),
    ("1345", "KY"),
    ("1354", "CA"),
    ("1365", "CA"),
    ("1367", "CA"),
    ("1368", "CA"),
    ("1382", "CA"),
    ("1403", "CA"),
    ("1416", "CA"),
    ("1418", "CA"),
    ("1428", "CA"),
    ("1431", "CA"),
    ("1437", "CA"),
    ("1438", "CA"),
    ("1441", "BM"),
    ("1450", "CA"),
    ("1468", "CA"),
    ("1473", "GD"),
    ("1474", "CA"),
    ("1506", "CA"),
    ("1514", "CA"),
    ("1519", "CA"),
    ("1548", "CA"),
    ("1579", "CA"),
    ("1581", "CA"),
    ("1584", "CA"),
    ("1587", "CA"),
    ("1604", "CA"),
    ("1613", "CA"),
    ("1639", "CA"),
    ("1647", "CA"),
    ("1649", "TC"),
    ("1658", "JM"),
    ("1664", "MS"),
    ("1670", "MP"),
    ("1671", "GU"),
    ("1672", "CA"),
    ("1683", "CA"),
    ("1684", "AS"),
    ("1705", "CA"),
    ("1709", "CA"),
    ("1721", "SX"),
    ("1742", "CA"),
    ("1753", "CA"),
    ("1758", "LC"),
    ("1767", "DM"),
    ("1778", "CA"),
    ("1780", "CA"),
    ("1782", "CA"),
    ("1784", "VC"),
    ("1787", "PR"),
    ("1807", "CA"),
    ("1809", "DO"),
    ("1819", "CA"),
    ("1825", "CA"),
    ("1829", "DO"),
    ("1849", "DO"),
    ("1867", "CA"),
    ("1868", "TT"),
    ("1869", "KN"),
    ("1873", "CA"),
    ("1876", "JM"),
    ("1879", "CA"),
    ("1902", "CA"),
    ("1905", "CA"),
    ("1939", "PR"),
    ("1942", "CA"),
    ("20", "EG"),
    ("211", "SS"),
    ("212", "MA"),
    ("213", "DZ"),
    ("216", "TN"),
    ("218", "LY"),
    ("220", "GM"),
    ("221", "SN"),
    ("222", "MR"),
    ("223", "ML"),
    ("224", "GN"),
    ("225", "CI"),
    ("226", "BF"),
    ("227", "NE"),
    ("228", "TG"),
    ("229", "BJ"),
    ("230", "MU"),
    ("231", "LR"),
    ("232", "SL"),
    ("233", "GH"),
    ("234", "NG"),
    ("235", "TD"),
    ("236", "CF"),
    ("237", "CM"),
    ("238", "CV"),
    ("239", "ST"),
    ("240", "GQ"),
    ("241", "GA"),
    ("242", "CG"),
    ("243", "CD"),
    ("244", "AO"),
    ("245", "GW"),
    ("246", "IO"),
    ("247", "AC"),
    ("248", "SC"),
    ("249", "SD"),
    ("250", "RW"),
    ("251", "ET"),
    ("252", "SO"),
    ("253", "DJ"),
    ("254", "KE"),
    ("255", "TZ"),
    ("256", "UG"),
    ("257", "BI"),
    ("258", "MZ"),
    ("260", "ZM"),
    ("261", "MG"),
    ("262", "RE"),
    ("263", "ZW"),
    ("264", "NA"),
    ("265", "MW"),
    ("266", "LS"),
    ("267", "BW"),
    ("268", "SZ"),
    ("269", "KM"),
    ("27", "ZA"),
    ("290", "SH"),
    ("291", "ER"),
    ("297", "AW"),
    ("298", "FO"),
    ("299", "GL"),
    ("30", "GR"),
    ("31", "NL"),
    ("32", "BE"),
    ("33", "FR"),
    ("34", "ES"),
    ("350", "GI"),
    ("351", "PT"),
    ("352", "LU"),
    ("353", "IE"),
    ("354", "IS"),
    ("355", "AL"),
    ("356", "MT"),
    ("357", "CY"),
    ("358", "FI"),
    ("359", "BG"),
    ("36", "HU"),
    ("370", "LT"),
    ("371", "LV"),
    ("372", "EE"),
    ("373", "MD"),
    ("374", "AM"),
    ("375", "BY"),
    ("376", "AD"),
    ("377", "MC"),
    ("378", "SM"),
    ("380", "UA"),
    ("381", "RS"),
    ("382", "ME"),
    ("383", "XK"),
    ("385", "HR"),
    ("386", "SI"),
    ("387", "BA"),
    ("389", "MK"),
    ("39", "IT"),
    ("40", "RO"),
    ("41", "CH"),
    ("420", "CZ"),
    ("421", "SK"),
    ("423", "LI"),
    ("43", "AT"),
    ("44", "GB"),
    ("45", "DK"),
    ("46", "SE"),
    ("47", "NO"),
    ("48", "PL"),
    ("49", "DE"),
    ("500", "FK"),
    ("501", "BZ"),
    ("502", "GT"),
    ("503", "SV"),
    ("504", "HN"),
    ("505", "NI"),
    ("506", "CR"),
    ("507", "PA"),
    ("508", "PM"),
    ("509", "HT"),
    ("51", "PE"),
    ("52", "MX"),
    ("53", "CU"),
    ("54", "AR"),
    ("55", "BR"),
    ("56", "CL"),
    ("57", "CO"),
    ("58", "VE"),
    ("590", "GP"),
    ("591", "BO"),
    ("592", "GY"),
    ("593", "EC"),
    ("594", "GF"),
    ("595", "PY"),
    ("596", "MQ"),
    ("597", "SR"),
    ("598", "UY"),
    ("599", "CW"),
    ("60", "MY"),
    ("61", "AU"),
    ("62", "ID"),
    ("63", "PH"),
    ("64", "NZ"),
    ("65", "SG"),
    ("66", "TH"),
    ("670", "TL"),
    ("672", "NF"),
    ("673", "BN"),
    ("674", "NR"),
    ("675", "PG"),
    ("676", "TO"),
    ("677", "SB"),
    ("678", "VU"),
    ("679", "FJ"),
    ("680", "PW"),
    ("681", "WF"),
    ("682", "CK"),
    ("683", "NU"),
    ("685", "WS"),
    ("686", "KI"),
    ("687", "NC"),
    ("688", "TV"),
    ("689", "PF"),
    ("690", "TK"),
    ("691", "FM"),
    ("692", "MH"),
    ("7", "RU"),
    ("77", "KZ"),
    ("81", "JP"),
    ("82", "KR"),
    ("84", "VN"),
    ("850", "KP"),
    ("852", "HK"),
    ("853", "MO"),
    ("855", "KH"),
    ("856", "LA"),
    ("86", "CN"),
    ("880", "BD"),
    ("886", "TW"),
    ("90", "TR"),
    ("91", "IN"),
    ("92", "PK"),
    ("93", "AF"),
    ("94", "LK"),
    ("95", "MM"),
    ("960", "MV"),
    ("961", "LB"),
    ("962", "JO"),
    ("963", "SY"),
    ("964", "IQ"),
    ("965", "KW"),
    ("966", "SA"),
    ("967", "YE"),
    ("968", "OM"),
    ("970", "PS"),
    ("971", "AE"),
    ("972", "IL"),
    ("973", "BH"),
    ("974", "QA"),
    ("975", "BT"),
    ("976", "MN"),
    ("977", "NP"),
    ("98", "IR"),
    ("992", "TJ"),
    ("993", "TM"),
    ("994", "AZ"),
    ("995", "GE"),
    ("996", "KG"),
    ("998", "UZ"),
];

/// The longest calling code in [`COUNTRY_CODES`] (`1NPA` entries).
const MAX_CODE_LEN: usize = 4;

/// Finds the calling code at the start of `digits` (E.164 digits without `+`), longest first.
///
/// Returns `(code length, ISO alpha-2)`; `None` when no assigned geographic code matches.
pub(crate) fn lookup(digits: &str) -> Option<(usize, &'static str)> {
    let max = digits.len().min(MAX_CODE_LEN);
    (1..=max).rev().find_map(|len| {
        let head = digits.get(..len)?;
        let idx = COUNTRY_CODES
            .binary_search_by(|(code, _)| (*code).cmp(head))
            .ok()?;
        Some((calling_code_len(digits, len), COUNTRY_CODES[idx].1))
    })
}

/// The length of the ITU calling code proper: NANP (`1NPA`) and Kazakhstan (`77`) entries are
/// region selectors inside the shorter codes `1` and `7`.
fn calling_code_len(digits: &str, matched: usize) -> usize {
    match digits.as_bytes().first() {
        Some(b'1') | Some(b'7') => 1,
        _ => matched,
    }
}

/// Whether `code` is an ISO alpha-2 region some calling code resolves to (for config checks).
pub(crate) fn is_known_region(code: &str) -> bool {
    COUNTRY_CODES.iter().any(|(_, region)| *region == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_unique() {
        assert!(COUNTRY_CODES.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(COUNTRY_CODES.iter().all(|(c, _)| c.len() <= MAX_CODE_LEN));
    }

    #[test]
    fn longest_prefix_wins() {
        assert_eq!(lookup("14155552671"), Some((1, "US")));
        assert_eq!(lookup("14165550123"), Some((1, "CA")));
        assert_eq!(lookup("18765550123"), Some((1, "JM")));
        assert_eq!(lookup("79161234567"), Some((1, "RU")));
        assert_eq!(lookup("77011234567"), Some((1, "KZ")));
        assert_eq!(lookup("447911123456"), Some((2, "GB")));
        assert_eq!(lookup("85291234567"), Some((3, "HK")));
        assert_eq!(lookup("8613800138000"), Some((2, "CN")));
        assert_eq!(lookup("886912345678"), Some((3, "TW")));
        assert_eq!(lookup("35312345678"), Some((3, "IE")));
    }

    #[test]
    fn unassigned_and_non_geographic_codes_are_unknown() {
        assert_eq!(lookup("80012345678"), None);
        assert_eq!(lookup("8821234567"), None);
        assert_eq!(lookup("2101234567"), None);
        assert_eq!(lookup(""), None);
    }
}
