"""The invented agency's purchasing vocabulary: categories, CPV codes, accounts, invoice texts.

Numbers here are the knobs of the sample: how many agreements per category, the median annual
value (MSEK) and its log-spread, how likely the category is to carry miljökrav, which accounts
its invoices are booked on and how many invoice lines a typical agreement produces in a year.
CPV check digits are given only where they were checked against published codes; other codes
are written without one.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Category:
    name: str
    cpv: str  # eight digits, present in the CPV 2008 list
    check: str  # verified CPV check digit, or "" when not verified
    cpv_label: str  # the agency's own Swedish label, written after the code in some rows
    count: int  # agreements in the register
    median_msek: float  # median annual value
    sigma: float  # log-spread of the annual value
    env_weight: float  # relative chance of miljökrav
    accounts: dict[str, float]  # konto -> share of invoice lines
    lines: int  # invoice lines a median-sized agreement produces per year
    stems: tuple[str, ...]  # supplier-name stems
    qualifiers: tuple[str, ...]  # what the agreement covers, for its name
    large: tuple[tuple[float, float], ...] = field(default=())  # forced MSEK ranges


# A data table: one category per entry reads better than one value per line.
# fmt: off
CATEGORIES: tuple[Category, ...] = (
    Category("IT-konsulttjänster", "72000000", "5", "IT-tjänster", 50, 0.8, 1.0, 0.1,
             {"5721": 1.0}, 70,
             ("IT-Partner", "Systemkonsult", "Datakonsult", "Digitalbyrå", "IT-Kompetens",
              "Molnpartner", "Kodverkstad"),
             ("Systemutveckling", "Arkitektur och integration", "Drift och förvaltning",
              "Informationssäkerhet", "Projektledning IT", "Testtjänster", "Dataanalys"),
             ((22.0, 30.0), (30.0, 45.0))),
    Category("Datorer och kringutrustning", "30200000", "1", "Datorutrustning", 12, 1.5, 0.8,
             1.6, {"5632": 0.85, "5611": 0.15}, 45,
             ("Datautrustning", "IT-Leverans", "Datorhuset", "Teknikgrossisten"),
             ("Klientdatorer", "Skärmar och dockningsstationer", "Mobila enheter", "Skrivare")),
    Category("Lokalvård", "90919200", "4", "Kontorsstädning", 16, 1.0, 0.7, 2.0,
             {"5041": 1.0}, 30, ("Städservice", "Lokalvård", "Rent & Fräscht", "Städpartner"),
             ("Huvudkontoret", "Regionkontor Norr", "Regionkontor Syd", "Fönsterputs")),
    Category("Bevakning", "79713000", "5", "Bevakningstjänster", 8, 1.2, 0.7, 0.3,
             {"5042": 1.0}, 30, ("Bevakning", "Säkerhetstjänst", "Vakt & Larm"),
             ("Receptionsbevakning", "Ronderande bevakning", "Larmcentral")),
    Category("Resebyråtjänster", "63510000", "", "Resebyråtjänster", 2, 9.0, 0.3, 0.5,
             {"5512": 0.45, "5511": 0.3, "5513": 0.15, "5518": 0.1}, 1500,
             ("Resebyrå", "Affärsresor"), ("Affärsresor", "Gruppresor")),
    Category("Konferens och hotell", "55120000", "", "Konferenstjänster på hotell", 24, 0.3, 0.8,
             1.0, {"5572": 0.75, "5513": 0.25}, 25,
             ("Konferenshotell", "Kursgård", "Hotell & Konferens", "Konferenscenter"),
             ("Internatkonferenser", "Dagkonferenser", "Hotellrum Stockholm", "Hotellrum Umeå")),
    Category("Kontorsmaterial", "30192000", "", "Kontorsmaterial", 5, 0.6, 0.5, 1.6,
             {"5611": 1.0}, 320, ("Kontorsvaror", "Kontorsgrossisten", "Papper & Penna"),
             ("Kontorsmaterial", "Papper", "Förbrukningsmaterial")),
    Category("Livsmedel", "15000000", "8", "Livsmedel", 6, 0.4, 0.6, 2.4,
             {"5621": 1.0}, 160, ("Livs", "Fruktleveranser", "Kaffeservice", "Matgrossisten"),
             ("Frukt på jobbet", "Kaffe och fika", "Personalrestaurang")),
    Category("Byggentreprenad", "45210000", "2", "Byggnadsarbeten", 10, 1.2, 0.9, 2.0,
             {"5451": 1.0}, 20, ("Bygg", "Byggentreprenad", "Byggservice", "Entreprenad"),
             ("Ombyggnad kontor", "Hyresgästanpassning", "Tillbyggnad arkiv", "Renovering"),
             ((20.0, 30.0), (32.0, 45.0), (55.0, 75.0))),
    Category("Fastighetsförvaltning", "70332000", "", "Fastighetsservice", 8, 2.0, 0.8, 0.8,
             {"5051": 1.0}, 40, ("Fastighetsservice", "Facility Management", "Fastighetsteknik"),
             ("Drift och skötsel", "Fastighetsteknik", "Felavhjälpning"), ((20.0, 24.0),)),
    Category("Telefoni", "64210000", "", "Telefon- och dataöverföring", 5, 1.5, 0.7, 0.5,
             {"5723": 1.0}, 36, ("Telekom", "Kommunikation", "Nätverk"),
             ("Mobiltelefoni", "Växeltjänst", "Datakommunikation")),
    Category("Programvara och licenser", "48000000", "8", "Programvarupaket", 45, 0.3, 1.2, 0.1,
             {"5722": 1.0}, 6, ("Software", "Programvaror", "Licenspartner", "Systemhuset"),
             ("Ärendehanteringssystem", "Ekonomisystem", "Kontorsprogramvara",
              "E-arkiv", "Analysverktyg", "Säkerhetsprogramvara")),
    Category("Managementkonsulter", "79410000", "1", "Managementkonsulttjänster", 35, 0.5, 0.9,
             0.1, {"5731": 1.0}, 12, ("Management", "Strategikonsult", "Förändringspartner"),
             ("Verksamhetsutveckling", "Organisationsöversyn", "Ledarskapsstöd", "Utredningar")),
    Category("Kurier och post", "64110000", "", "Posttjänster", 4, 0.8, 0.5, 1.0,
             {"5751": 1.0}, 220, ("Post", "Budbilar", "Kurir"), ("Post", "Budtjänster")),
    Category("Tryckeritjänster", "79810000", "", "Tryckning", 8, 0.25, 0.7, 1.6,
             {"5531": 1.0}, 15, ("Tryckeri", "Grafiska", "Tryck"),
             ("Trycksaker", "Årsredovisning", "Broschyrer")),
    Category("Möbler", "39130000", "", "Kontorsmöbler", 8, 0.6, 0.7, 2.0,
             {"5631": 1.0}, 15, ("Kontorsmöbler", "Inredning", "Möbelhuset"),
             ("Kontorsmöbler", "Mötesrumsmöbler", "Ergonomiska stolar")),
    Category("El", "09310000", "5", "Elektricitet", 3, 4.0, 0.4, 3.0,
             {"5031": 1.0}, 60, ("Energi", "Elhandel", "Kraft"), ("Elhandel",)),
    Category("Fjärrvärme", "09323000", "9", "Fjärrvärme", 3, 2.5, 0.4, 1.0,
             {"5032": 1.0}, 60, ("Värme", "Fjärrvärme", "Energitjänster"), ("Fjärrvärme",)),
    Category("Fordon och leasing", "34110000", "", "Personbilar", 6, 0.6, 0.5, 3.0,
             {"5221": 1.0}, 24, ("Billeasing", "Fordonsleasing", "Bil"),
             ("Tjänstebilar", "Poolbilar", "Elbilar")),
    Category("Taxi", "60120000", "5", "Taxitjänster", 3, 1.2, 0.4, 2.0,
             {"5514": 1.0}, 420, ("Taxi", "Taxiservice"), ("Taxiresor",)),
    Category("Utbildningstjänster", "80500000", "", "Utbildningstjänster", 44, 0.25, 0.9, 0.1,
             {"4821": 1.0}, 8, ("Utbildning", "Kompetens", "Akademi", "Kursbolaget"),
             ("Ledarskapsutbildning", "Projektledning", "Språkutbildning", "IT-utbildning",
              "Förvaltningsrätt")),
    Category("Företagshälsovård", "85147000", "1", "Företagshälsovård", 3, 1.2, 0.4, 0.2,
             {"4713": 1.0}, 60, ("Hälsa", "Företagshälsa", "Arbetshälsa"), ("Företagshälsovård",)),
    Category("Översättning", "79530000", "", "Översättning", 8, 0.25, 0.7, 0.1,
             {"5761": 1.0}, 20, ("Översättning", "Språktjänst", "Translation"),
             ("Engelska", "Nordiska språk", "Minoritetsspråk")),
    Category("Rekrytering", "79600000", "", "Rekryteringstjänster", 10, 0.4, 0.7, 0.1,
             {"4911": 1.0}, 8, ("Rekrytering", "Talang", "Bemanning & Rekrytering"),
             ("Chefsrekrytering", "Specialistrekrytering", "Urvalstester")),
    Category("Advokattjänster", "79110000", "", "Juridisk rådgivning", 8, 0.5, 0.8, 0.1,
             {"5771": 1.0}, 10, ("Advokatbyrå", "Juridik", "Advokatfirma"),
             ("Upphandlingsjuridik", "Arbetsrätt", "Processföring")),
    Category("Kommunikationstjänster", "79340000", "", "Reklam och marknadsföring", 10, 0.4, 0.8,
             0.2, {"5532": 1.0}, 10, ("Kommunikation", "Reklambyrå", "Mediebyrå"),
             ("Kampanjer", "Filmproduktion", "Annonsering")),
    Category("Tekniska konsulter", "71000000", "", "Tekniska konsulttjänster", 6, 1.0, 0.8,
             0.6, {"5741": 1.0}, 15, ("Teknikkonsult", "Ingenjörsbyrå", "Projektering"),
             ("Projektering", "Byggledning", "Energikartläggning")),
)
# fmt: on

PREFIXES: tuple[str, ...] = (
    "Nordisk", "Svensk", "Mälardalens", "Norrlands", "Västsvenska", "Skånes", "Baltiska",
    "Kustens", "Fjällets", "Dalarnas", "Smålands", "Östgöta", "Gotlands", "Värmlands",
    "Jämtlands", "Hallands", "Stadens", "Nya", "Första", "Allmänna", "Moderna", "Gröna",
    "Klara", "Lilla", "Stora", "Nord", "Syd", "Väst", "Öst", "Lindbergs", "Ekströms",
    "Holmgrens", "Sjöbergs", "Bergqvists", "Åkessons",
)  # fmt: skip

# konto -> (name used in this sample, invoice text templates). Names are this sample's wording
# within the groups that ESV documents (4xxx personnel, 50xx premises, 52-58 other operating
# costs, 7xxx transfers); they are not ESV's official account names.
# fmt: off
ACCOUNTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "4713": ("Företagshälsovård", ("Företagshälsovård abonnemang {month}",
             "Hälsoundersökningar {n} st", "Arbetsmiljökonsultation {month}")),
    "4821": ("Kurs- och konferensavgifter, extern arrangör", ("Kursavgift {n} deltagare",
             "Utbildning projektledning {month}", "Webbutbildning licens {n} deltagare")),
    "4911": ("Personalrekrytering", ("Rekryteringsuppdrag handläggare",
             "Rekrytering chef, delfaktura", "Tester och intervjuer {month}")),
    "5011": ("Lokalhyra", ("Lokalhyra {month}", "Hyra kv{q} 2024", "Hyra garage och förråd {month}")),
    "5031": ("El", ("Elförbrukning {month}", "El {month}, anläggning {n}")),
    "5032": ("Fjärrvärme", ("Fjärrvärme {month}", "Fjärrvärme {month}, anläggning {n}")),
    "5041": ("Lokalvård", ("Städning {month}", "Lokalvård {month} enl. avtal", "Fönsterputs",
             "Extra städning konferens")),
    "5042": ("Bevakning", ("Bevakning {month}", "Väktarrond {month}", "Larmutryckning")),
    "5051": ("Fastighetsservice", ("Fastighetsservice {month}", "Felanmälan och åtgärd",
             "Drift och skötsel {month}")),
    "5221": ("Leasing av fordon", ("Leasing tjänstebilar {month}", "Leasingavgift {n} fordon {month}")),
    "5451": ("Reparation och underhåll av lokaler", ("Ombyggnad kontor, delfaktura {n}",
             "Byggentreprenad etapp {q}, delbetalning", "ÄTA-arbeten {month}",
             "Hyresgästanpassning plan {n}")),
    "5511": ("Biljetter tåg", ("Tågbiljett Stockholm-Göteborg", "Tågbiljett Stockholm-Malmö",
             "Tågbiljetter {month}", "Tågbiljett Umeå-Stockholm")),
    "5512": ("Biljetter flyg", ("Flygbiljett ARN-GOT", "Flygbiljett ARN-BRU", "Flygbiljett ARN-LLA",
             "Flygbiljetter {month}", "Flygbiljett ARN-MMX t/r")),
    "5513": ("Hotell och logi", ("Hotell {n} nätter", "Hotellrum {month}", "Logi {month}")),
    "5514": ("Taxi", ("Taxiresor {month}", "Taxi Arlanda", "Samlingsfaktura taxi {month}")),
    "5518": ("Övriga resekostnader", ("Serviceavgift resebyrå {month}", "Bokningsavgifter {month}")),
    "5521": ("Extern representation", ("Representation lunch", "Middag externa gäster",
             "Representation {month}")),
    "5531": ("Trycksaker", ("Tryck årsredovisning", "Tryck broschyrer {n} ex", "Trycksaker {month}")),
    "5532": ("Annonsering och kommunikation", ("Annonsering {month}", "Kommunikationskampanj {month}",
             "Filmproduktion")),
    "5572": ("Konferenser, hotell och restaurang", ("Konferens {n} deltagare",
             "Konferenspaket heldag {month}", "Internat {n} deltagare",
             "Lokalhyra konferens och lunch")),
    "5611": ("Kontors- och förbrukningsmaterial", ("Kontorsmaterial {month}",
             "Papper A4 {n} kartonger", "Pennor och block", "Förbrukningsmaterial {month}")),
    "5621": ("Livsmedel", ("Frukt och fika {month}", "Kaffe och mjölk {month}",
             "Livsmedel personalrum")),
    "5631": ("Möbler och inventarier", ("Kontorsstolar {n} st", "Skrivbord höj- och sänkbara {n} st",
             "Möbler mötesrum", "Förvaringsskåp {n} st")),
    "5632": ("IT-utrustning", ("Bärbara datorer {n} st", "Skärmar 27 tum {n} st",
             "Dockningsstationer {n} st", "Headset {n} st", "Mobiltelefoner {n} st")),
    "5721": ("IT-konsulttjänster", ("Konsultarvode IT {month}", "Systemutveckling {month}",
             "Konsulttjänst projektledning IT {month}", "Drift och förvaltning {month}")),
    "5722": ("Programvaror och licenser", ("Licenser {n} användare", "Programvara årslicens",
             "Supportavtal programvara 2024", "Molntjänst abonnemang {month}")),
    "5723": ("Telefoni och datakommunikation", ("Mobiltelefoni {month}", "Datakommunikation {month}",
             "Växeltjänst {month}")),
    "5731": ("Managementkonsulter", ("Konsultarvode utredning {month}",
             "Verksamhetsanalys, delfaktura", "Workshop ledningsgrupp",
             "Organisationsöversyn {month}")),
    "5741": ("Tekniska konsulter", ("Teknisk konsult {month}", "Projektering, delfaktura {n}",
             "Besiktning")),
    "5751": ("Post och kurir", ("Porto {month}", "Budtjänster {month}", "Kurirtransport",
             "Frankering {month}")),
    "5761": ("Översättning", ("Översättning till engelska", "Översättning {n} sidor",
             "Auktoriserad översättning")),
    "5771": ("Juridiska tjänster", ("Juridisk rådgivning {month}", "Arvode ombud",
             "Rättsutredning {month}")),
    "5891": ("Medlemsavgifter", ("Medlemsavgift 2024", "Årsavgift medlemskap 2024")),
    "7711": ("Lämnade bidrag", ("Bidrag enligt beslut 2024", "Utbetalning projektbidrag kv{q}")),
}
# fmt: on

# Suppliers the agency pays without any agreement in the register (konto, name).
OFF_CONTRACT: tuple[tuple[str, str], ...] = (
    ("5513", "Hotell Fjällsjön AB"), ("5513", "Strandhotellet i Visby AB"),
    ("5513", "Hotell Norrsken Kiruna AB"), ("5513", "Stadshotellet Östersund AB"),
    ("5513", "Pensionat Ekbacken HB"), ("5513", "Hotell Kvarnen Luleå AB"),
    ("5521", "Restaurang Gula Huset AB"), ("5521", "Krogen Vid Kajen AB"),
    ("5521", "Café Lönnen HB"), ("5521", "Bistro Tornet AB"), ("5521", "Restaurang Smultronstället AB"),
    ("5572", "Kursgården Sjövik AB"), ("5572", "Konferens på Udden AB"),
    ("5611", "Järnhandeln i Umeå AB"), ("5611", "Blomsterbutiken Rosa HB"),
    ("5611", "Pappershandeln Centrum AB"), ("5611", "Batteri & Elektronik i Malmö AB"),
    ("5631", "Second Hand Kontorsmöbler AB"), ("5621", "Konditori Kringlan HB"),
    ("5621", "Bageriet på Hörnet AB"), ("4821", "Föreningen för Offentlig Ekonomi"),
    ("5531", "Snabbtryck Norr AB"), ("5751", "Cykelbudet i Stockholm AB"),
)  # fmt: skip

# Payments that are not purchases: the boundary rules should exclude them.
# (konto, payee, MSEK per year, invoices per year)
NON_PURCHASE: tuple[tuple[str, str, float, int], ...] = (
    ("5011", "Fastighets AB Kvarnholmen", 46.0, 12),
    ("5011", "Kontorsfastigheter i Norr AB", 12.5, 12),
    ("5011", "Fastighetsbolaget Malmö Hamn AB", 14.0, 4),
    ("5011", "Stiftelsen Arkivhuset", 3.2, 4),
    ("5891", "Svenska Förvaltningsföreningen", 0.35, 2),
    ("5891", "Nordiskt Nätverk för Tillsyn", 0.12, 1),
    ("7711", "Stiftelsen Nordisk Kunskapsfond", 4.0, 4),
    ("7711", "Föreningen Regional Samverkan", 1.5, 2),
)  # fmt: skip
