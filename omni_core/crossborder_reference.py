"""Reference data of the overseas markets: tax, duty, FX, payment mix, logistics, compliance.

Everything here is an **illustrative default** for the calculators of chapter 10, to be checked and
overridden in the UI before any real decision: tax rules change (e.g. the US suspended its $800 de
minimis for all countries on 2025-08-29; Thailand and Vietnam removed their VAT de minimis in
2024-2025) and duty depends on the exact HS code, the origin and preferential agreements.

Sources used for the defaults (rounded, as of 2025):

- VAT/GST standard rates: OECD *Consumption Tax Trends 2024*, table 2.A.1; national authorities
  (HMRC, Bundeszentralamt fuer Steuern, Japan NTA, IRAS Singapore, RMCD Malaysia, Thai Revenue
  Department, DJP Indonesia, BIR Philippines, GDT Vietnam). US: no VAT; average combined state +
  local sales tax about 7.5% (Tax Foundation, *State and Local Sales Tax Rates, 2025*), collected
  by the marketplace facilitator.
- De minimis thresholds: Global Express Association *Overview of de minimis value regimes* (2024)
  and the changes above; EU duty relief up to EUR 150 (Council Reg. 1186/2009, art. 23) with VAT
  from the first euro through IOSS (Directive 2017/2455); UK GBP 135 low-value regime.
- Customs valuation basis: WTO Customs Valuation Agreement art. 8.2 lets members include or
  exclude freight; the US values FOB (19 U.S.C. 1401a), the others here CIF.
- Duty rates: category averages of MFN rates (WTO *Tariff Download Facility*, US HTSUS, EU TARIC,
  UK Global Tariff, Japan customs tariff); ASEAN markets at ASEAN-China FTA (ACFTA) preferential
  rates, which need a Form E certificate of origin. Additional tariffs on China-origin goods (US
  Section 301 / 2025 IEEPA tariffs) are **not** included: add them in the duty field.
- FX rates: CNY per unit of local currency, rounded mid rates of 2025 (PBOC / market).
- Payment mix: shares of e-commerce payment value by method, rounded from Worldpay *Global
  Payments Report 2024* country pages.
- Logistics: typical 2025 list prices and transit times of postal small parcel, international
  express, sea head-haul + Amazon FBA / third-party overseas warehouse (public rate cards), in CNY.
"""

from __future__ import annotations

from dataclasses import dataclass

CATEGORY_IDS = (
    "beauty", "apparel", "food", "electronics", "baby", "home", "sports", "personal_care",
)  # fmt: skip


@dataclass(frozen=True)
class Market:
    """One overseas market: tax, duty and currency defaults (see module docstring for sources)."""

    country: str
    name_zh: str
    name_en: str
    region: str  # "west" (US/EU/UK/JP) or "sea" (South-East Asia)
    currency: str
    fx_cny: float  # CNY per 1 unit of local currency
    vat_rate: float  # VAT / GST / consumption or sales tax
    vat_name: str
    duty_de_minimis: float  # local currency; customs value at or below -> no duty
    vat_de_minimis: float  # local currency; 0 = VAT from the first unit
    valuation: str  # "CIF" or "FOB"
    duty: dict[str, float]  # category -> ad valorem duty rate


_WEST = {"beauty": 0.0, "apparel": 0.12, "food": 0.10, "electronics": 0.02, "baby": 0.05,
         "home": 0.04, "sports": 0.04, "personal_care": 0.0}  # fmt: skip
_ACFTA = {"beauty": 0.0, "apparel": 0.05, "food": 0.05, "electronics": 0.0, "baby": 0.0,
          "home": 0.05, "sports": 0.0, "personal_care": 0.0}  # fmt: skip

MARKETS: tuple[Market, ...] = (
    Market("US", "美国", "United States", "west", "USD", 7.15, 0.075, "Sales tax", 0.0, 0.0, "FOB",
           {"beauty": 0.0, "apparel": 0.16, "food": 0.05, "electronics": 0.02, "baby": 0.05,
            "home": 0.04, "sports": 0.05, "personal_care": 0.03}),
    Market("GB", "英国", "United Kingdom", "west", "GBP", 9.50, 0.20, "VAT", 135.0, 0.0, "CIF",
           dict(_WEST)),
    Market("DE", "德国", "Germany", "west", "EUR", 8.30, 0.19, "VAT (IOSS)", 150.0, 0.0, "CIF",
           dict(_WEST)),
    Market("JP", "日本", "Japan", "west", "JPY", 0.047, 0.10, "消費税", 10_000.0, 10_000.0, "CIF",
           {"beauty": 0.0, "apparel": 0.09, "food": 0.12, "electronics": 0.0, "baby": 0.04,
            "home": 0.03, "sports": 0.04, "personal_care": 0.0}),
    Market("SG", "新加坡", "Singapore", "sea", "SGD", 5.50, 0.09, "GST", 400.0, 0.0, "CIF",
           {k: 0.0 for k in CATEGORY_IDS}),
    Market("MY", "马来西亚", "Malaysia", "sea", "MYR", 1.60, 0.10, "Sales tax (LVG)", 500.0, 0.0,
           "CIF", dict(_ACFTA)),
    Market("TH", "泰国", "Thailand", "sea", "THB", 0.21, 0.07, "VAT", 1_500.0, 0.0, "CIF",
           dict(_ACFTA)),
    Market("ID", "印度尼西亚", "Indonesia", "sea", "IDR", 0.00044, 0.11, "PPN", 49_000.0, 0.0,
           "CIF", {**_ACFTA, "apparel": 0.10}),
    Market("PH", "菲律宾", "Philippines", "sea", "PHP", 0.123, 0.12, "VAT", 10_000.0, 10_000.0,
           "CIF", dict(_ACFTA)),
    Market("VN", "越南", "Vietnam", "sea", "VND", 0.00028, 0.10, "VAT", 0.0, 0.0, "CIF",
           dict(_ACFTA)),
)  # fmt: skip
MARKET_BY_CODE = {m.country: m for m in MARKETS}
COUNTRIES = tuple(m.country for m in MARKETS)

# Payment methods: key, Chinese, English, typical success rate of an attempted payment.
# Success rates are illustrative (card-not-present cross-border authorisation ~80%; local methods
# the buyer already uses ~90%+), in line with industry reports (e.g. Adyen/Checkout.com 2023).
PAYMENT_METHODS: tuple[tuple[str, str, str, float], ...] = (
    ("card", "国际信用卡/借记卡", "International cards", 0.80),
    ("paypal", "PayPal", "PayPal", 0.92),
    ("mobile_wallet", "Apple/Google Pay", "Apple/Google Pay", 0.93),
    ("local_wallet", "本地电子钱包", "Local e-wallets", 0.92),
    ("bank_transfer", "本地银行转账/实时支付", "Local bank transfer / A2A", 0.90),
    ("bnpl", "先买后付 BNPL", "Buy now pay later", 0.88),
    ("cod", "货到付款 COD", "Cash on delivery", 0.85),
    ("convenience", "便利店付款", "Convenience-store cash", 0.88),
)
METHOD_BY_KEY = {m[0]: m for m in PAYMENT_METHODS}

# Share of e-commerce payment value by method per market (rounded, Worldpay GPR 2024).
PAYMENT_MIX: dict[str, dict[str, float]] = {
    "US": {"card": 0.52, "paypal": 0.20, "mobile_wallet": 0.14, "bnpl": 0.06,
           "bank_transfer": 0.08},
    "GB": {"card": 0.40, "paypal": 0.22, "mobile_wallet": 0.14, "bnpl": 0.09,
           "bank_transfer": 0.15},
    "DE": {"card": 0.20, "paypal": 0.30, "mobile_wallet": 0.06, "bnpl": 0.22,
           "bank_transfer": 0.22},
    "JP": {"card": 0.60, "local_wallet": 0.17, "convenience": 0.09, "bank_transfer": 0.06,
           "cod": 0.04, "paypal": 0.04},
    "SG": {"card": 0.42, "local_wallet": 0.30, "bank_transfer": 0.18, "bnpl": 0.05,
           "paypal": 0.05},
    "MY": {"card": 0.25, "local_wallet": 0.33, "bank_transfer": 0.32, "bnpl": 0.05, "cod": 0.05},
    "TH": {"card": 0.20, "local_wallet": 0.30, "bank_transfer": 0.30, "cod": 0.15, "bnpl": 0.05},
    "ID": {"card": 0.09, "local_wallet": 0.42, "bank_transfer": 0.25, "cod": 0.12,
           "convenience": 0.05, "bnpl": 0.07},
    "PH": {"card": 0.17, "local_wallet": 0.46, "cod": 0.23, "bank_transfer": 0.10,
           "convenience": 0.04},
    "VN": {"card": 0.13, "local_wallet": 0.35, "bank_transfer": 0.27, "cod": 0.25},
}  # fmt: skip
LOCAL_EXAMPLES: dict[str, str] = {
    "US": "PayPal, Apple Pay, Affirm", "GB": "PayPal, Klarna, Open Banking",
    "DE": "PayPal, Klarna/Rechnung, SEPA/Sofort", "JP": "PayPay, コンビニ払い, 代引き",
    "SG": "PayNow, GrabPay", "MY": "Touch 'n Go, FPX", "TH": "PromptPay, TrueMoney",
    "ID": "GoPay, OVO, DANA, Virtual Account, Indomaret", "PH": "GCash, Maya, COD",
    "VN": "MoMo, ZaloPay, COD",
}  # fmt: skip

# Logistics options: key, Chinese, English, fixed CNY per parcel, CNY per kg, mean days, needs
# stock abroad (head-haul + storage), markets served ("all", "amazon" = Amazon markets only).
LOGISTICS_OPTIONS: tuple[tuple[str, str, str, float, float, float, bool, str], ...] = (
    ("postal", "邮政小包直邮", "Postal small parcel (direct mail)", 18.0, 75.0, 15.0, False, "all"),
    ("express", "国际快递直邮", "International express (direct mail)", 55.0, 110.0, 5.0, False,
     "all"),
    ("fba", "亚马逊 FBA", "Amazon FBA", 0.0, 0.0, 3.5, True, "amazon"),
    ("overseas_wh", "第三方海外仓", "Third-party overseas warehouse", 0.0, 0.0, 5.0, True, "all"),
)  # fmt: skip
AMAZON_MARKETS = ("US", "GB", "DE", "JP", "SG")
# Head-haul (sea/air consolidated, CNY per kg) and storage (CNY per unit per month) of stocked
# options, and the zone factor of last-mile prices in South-East Asia (cheaper, shorter hauls).
HEAD_HAUL_PER_KG = 14.0
STORAGE_PER_UNIT_MONTH = {"fba": 4.0, "overseas_wh": 2.5}
PICK_PACK = {"fba": 0.0, "overseas_wh": 6.0}
SEA_ZONE_FACTOR = 0.6

# Compliance checklist: market ("EU" = DE), area, requirement, applies to categories ("*" = all),
# legal source. Illustrative and not legal advice: a starting list for the launch review.
COMPLIANCE: tuple[tuple[str, str, str, str, str], ...] = (
    ("US", "product", "FCC Part 15 equipment authorisation (SDoC / certification)",
     "electronics", "47 CFR Part 15"),
    ("US", "product", "CPSIA children's product certificate + tracking label", "baby",
     "Consumer Product Safety Improvement Act 2008"),
    ("US", "chemicals", "California Prop 65 warning where listed chemicals are present", "*",
     "Cal. Health & Safety Code 25249.6"),
    ("US", "labelling", "FDA cosmetics listing & labelling (MoCRA)", "beauty,personal_care",
     "Modernization of Cosmetics Regulation Act 2022"),
    ("US", "labelling", "Country-of-origin marking 'Made in China'", "*", "19 U.S.C. 1304"),
    ("US", "data", "CCPA/CPRA privacy notice, 'Do not sell or share' link", "*",
     "Cal. Civ. Code 1798.100 ff."),
    ("US", "tax", "Section 301 / IEEPA additional tariffs checked for the HS codes", "*",
     "USTR Section 301; EO 14257 (2025)"),
    ("DE", "product", "CE marking + EU declaration of conformity (LVD/EMC/RED)", "electronics",
     "Reg. (EC) 765/2008; Dir. 2014/35, 2014/30, 2014/53/EU"),
    ("DE", "product", "EN 71 toy safety / CE for children's products", "baby",
     "Dir. 2009/48/EC"),
    ("DE", "product", "EU Responsible Person named on product (GPSR)", "*",
     "Reg. (EU) 2023/988 (GPSR), art. 16"),
    ("DE", "chemicals", "REACH SVHC check (>0.1% w/w) and Annex XVII restrictions", "*",
     "Reg. (EC) 1907/2006"),
    ("DE", "chemicals", "EU Cosmetics Regulation: CPNP notification, Responsible Person", "beauty,personal_care",
     "Reg. (EC) 1223/2009"),
    ("DE", "labelling", "German-language labelling, textile fibre composition", "apparel",
     "Reg. (EU) 1007/2011"),
    ("DE", "labelling", "Packaging EPR: LUCID registration (VerpackG)", "*",
     "Verpackungsgesetz 2019"),
    ("DE", "labelling", "WEEE registration (stiftung ear) for electrical goods", "electronics",
     "ElektroG; Dir. 2012/19/EU"),
    ("DE", "data", "GDPR: lawful basis, consent for marketing cookies, EU representative", "*",
     "Reg. (EU) 2016/679, art. 6, 27"),
    ("DE", "tax", "IOSS registration for consignments <= EUR 150", "*", "Dir. (EU) 2017/2455"),
    ("GB", "product", "UKCA (or CE accepted) marking + UK declaration of conformity",
     "electronics,baby", "Product Safety and Metrology etc. Regulations 2019"),
    ("GB", "chemicals", "UK REACH registration / SVHC check", "*", "UK REACH (SI 2019/758)"),
    ("GB", "data", "UK GDPR & PECR consent for e-mail marketing", "*", "Data Protection Act 2018"),
    ("GB", "tax", "VAT registration: seller/marketplace collects VAT on <= GBP 135", "*",
     "Taxation (Cross-border Trade) Act 2018"),
    ("JP", "product", "PSE mark for electrical appliances", "electronics",
     "Electrical Appliances and Materials Safety Act"),
    ("JP", "product", "Radio Law technical conformity (Giteki) for wireless devices",
     "electronics", "Radio Act art. 38-2-2"),
    ("JP", "labelling", "Japanese labelling: Household Goods Quality Labeling Act", "apparel,home",
     "家庭用品品質表示法"),
    ("JP", "chemicals", "Cosmetics: marketing licence holder / import notification",
     "beauty,personal_care", "薬機法 (PMD Act)"),
    ("JP", "data", "APPI: purpose of use, cross-border transfer consent", "*",
     "Act on the Protection of Personal Information (2022 amend.)"),
    ("SG", "data", "PDPA consent and DNC registry check for marketing", "*",
     "Personal Data Protection Act 2012"),
    ("SG", "product", "Safety Mark for controlled goods (electrical)", "electronics",
     "Consumer Protection (Safety Requirements) Regs 2011"),
    ("SG", "tax", "OVR GST registration for low-value goods", "*", "GST Act, s. 14A (2023)"),
    ("MY", "product", "SIRIM / ST certification for regulated electrical products",
     "electronics", "Electricity Regulations 1994"),
    ("MY", "data", "PDPA 2010 notice and consent", "*", "Personal Data Protection Act 2010"),
    ("MY", "labelling", "Halal certification if claimed (JAKIM)", "food,beauty",
     "Trade Descriptions (Definition of Halal) Order 2011"),
    ("TH", "product", "TISI mandatory standard mark", "electronics,baby",
     "Industrial Product Standards Act B.E. 2511"),
    ("TH", "data", "PDPA B.E. 2562 consent and DPO", "*", "Personal Data Protection Act 2019"),
    ("ID", "product", "SNI mark for mandated products", "electronics,baby,home",
     "Government Reg. 34/2018"),
    ("ID", "labelling", "Halal certification (BPJPH) for food, cosmetics", "food,beauty,personal_care",
     "Law 33/2014 on Halal Product Assurance"),
    ("ID", "data", "PDP Law consent and data controller duties", "*", "Law 27/2022 (UU PDP)"),
    ("ID", "tax", "PMK 96/2023 e-commerce import data (seller, HS code) in manifest", "*",
     "Minister of Finance Reg. 96/2023"),
    ("PH", "product", "PS/ICC mark (DTI-BPS) for regulated products", "electronics,baby",
     "DTI Department Administrative Order 2-2007"),
    ("PH", "data", "Data Privacy Act: NPC registration where required", "*",
     "Republic Act 10173"),
    ("VN", "labelling", "Vietnamese sub-label on imported goods", "*", "Decree 43/2017, 111/2021"),
    ("VN", "data", "PDPD: data processing impact assessment", "*", "Decree 13/2023/ND-CP"),
    ("*", "tax", "Form E certificate of origin for ACFTA preferential duty", "*",
     "ASEAN-China FTA, Rules of Origin"),
)  # fmt: skip
ACFTA_MARKETS = ("SG", "MY", "TH", "ID", "PH", "VN")
COMPLIANCE_AREAS = {
    "product": ("产品认证", "Product safety"),
    "chemicals": ("化学品/成分", "Chemicals"),
    "labelling": ("标签/包装", "Labelling & packaging"),
    "data": ("数据隐私", "Data privacy"),
    "tax": ("税务/关务", "Tax & customs"),
}
