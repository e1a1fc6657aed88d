"""Procurement demo data on the demo community: a realistic catalogue (集采中选 and 国家谈判 drugs, 中成药,
consumables with high-value 集采 items, 中药饮片), suppliers on the ledger demo's partners (one licence
expired), price agreements with history and agreed volumes, formularies for the members, and the 中药饮片
selling prices of the two county hospitals. Idempotent."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp.core.demo import DEMO_COMMUNITY
from erp.core.errors import NotFound
from erp.core.models import Community, Institution, InstitutionLevel
from erp.core.timeutil import local_today
from erp.procurement import services as procurement
from erp.procurement.models import CatalogueItem, Formulary, PriceAgreement, Supplier

F = ("vbp", "negotiated", "essential", "insurance_a", "insurance_b", "consistency", "high_value", "shortage")

# code, category, generic name, dosage form, specification, package unit, min unit, units, manufacturer, flags
ITEMS = [
    ("XJ01CAA040E001010101605", "drug", "阿莫西林胶囊", "胶囊剂", "0.25g", "盒", "粒", 24, "华北制药股份有限公司",
     "vbp essential insurance_a consistency"),
    ("XC08CAA163A001010100483", "drug", "苯磺酸氨氯地平片", "片剂", "5mg", "盒", "片", 28, "辉瑞制药有限公司",
     "vbp essential insurance_a consistency"),
    ("XA10BAE037A001020101132", "drug", "盐酸二甲双胍片", "片剂", "0.5g", "盒", "片", 48, "中美上海施贵宝制药有限公司",
     "vbp essential insurance_a consistency"),
    ("XC10AAA224A001030200873", "drug", "阿托伐他汀钙片", "片剂", "20mg", "盒", "片", 7, "北京嘉林药业股份有限公司",
     "vbp essential insurance_b consistency"),
    ("XC10AAR056A001020102217", "drug", "瑞舒伐他汀钙片", "片剂", "10mg", "盒", "片", 28, "鲁南贝特制药有限公司",
     "vbp insurance_b consistency"),
    ("XA02BCA052E002010104287", "drug", "奥美拉唑肠溶胶囊", "肠溶胶囊", "20mg", "盒", "粒", 14, "常州四药制药有限公司",
     "vbp essential insurance_a consistency"),
    ("XC08CAX018A003020100215", "drug", "硝苯地平控释片", "控释片", "30mg", "盒", "片", 7, "拜耳医药保健有限公司",
     "essential insurance_b"),
    ("XC09CAX001E001010103391", "drug", "缬沙坦胶囊", "胶囊剂", "80mg", "盒", "粒", 7, "北京诺华制药有限公司",
     "vbp insurance_b consistency"),
    ("XJ01DDT020E001010104141", "drug", "头孢克肟胶囊", "胶囊剂", "0.1g", "盒", "粒", 6, "广州白云山制药股份有限公司",
     "vbp insurance_b consistency"),
    ("XM01AEB069E003010100762", "drug", "布洛芬缓释胶囊", "缓释胶囊", "0.3g", "盒", "粒", 20, "中美天津史克制药有限公司",
     "essential insurance_b"),
    ("XB05XAL059B002030101940", "drug", "氯化钠注射液", "注射液", "0.9%:250ml", "袋", "袋", 1, "四川科伦药业股份有限公司",
     "essential insurance_a"),
    ("XA10ABM047B002010178765", "drug", "门冬胰岛素注射液", "注射液", "3ml:300单位", "支", "支", 1, "诺和诺德(中国)制药有限公司",
     "vbp insurance_b"),
    ("XA10BKD203A001010105310", "drug", "达格列净片", "片剂", "10mg", "盒", "片", 14, "阿斯利康制药有限公司",
     "negotiated insurance_b"),
    ("XA10BJL161B002010107762", "drug", "利拉鲁肽注射液", "注射液", "3ml:18mg", "支", "支", 1, "诺和诺德(中国)制药有限公司",
     "negotiated insurance_b"),
    ("XC09DXS223A001020106652", "drug", "沙库巴曲缬沙坦钠片", "片剂", "100mg", "盒", "片", 14, "北京诺华制药有限公司",
     "negotiated insurance_b"),
    ("XB01ACT156A001010102288", "drug", "替格瑞洛片", "片剂", "90mg", "盒", "片", 14, "阿斯利康制药有限公司",
     "vbp negotiated insurance_b consistency"),
    ("XJ05AFE040A004010103127", "drug", "恩替卡韦分散片", "分散片", "0.5mg", "盒", "片", 7, "正大天晴药业集团股份有限公司",
     "vbp essential insurance_b consistency"),
    ("XJ01FAA243A001010100516", "drug", "阿奇霉素片", "片剂", "0.25g", "盒", "片", 6, "石药集团欧意药业有限公司",
     "essential insurance_a consistency"),
    ("XN02BED005A001010100927", "drug", "对乙酰氨基酚片", "片剂", "0.5g", "盒", "片", 12, "华中药业股份有限公司",
     "essential insurance_a"),
    ("XC01AAD039A001010100401", "drug", "地高辛片", "片剂", "0.25mg", "瓶", "片", 100, "上海上药信谊药厂有限公司",
     "essential insurance_a shortage"),
    ("XC01DAX034A001010100402", "drug", "硝酸甘油片", "片剂", "0.5mg", "瓶", "片", 100, "北京益民药业有限公司",
     "essential insurance_a shortage"),
    ("XH03BBJ022A001010101718", "drug", "甲巯咪唑片", "片剂", "5mg", "盒", "片", 50, "默克制药(江苏)有限公司",
     "essential insurance_a shortage"),
    ("XJ01DDT046B001030104141", "drug", "注射用头孢曲松钠", "注射剂", "1.0g", "支", "支", 1, "上海罗氏制药有限公司",
     "vbp essential insurance_a consistency"),
    ("XJ01MAZ015A001010100873", "drug", "左氧氟沙星片", "片剂", "0.5g", "盒", "片", 4, "浙江医药股份有限公司新昌制药厂",
     "vbp insurance_b consistency"),
    ("ZA12CAF0039010100705", "drug", "复方丹参滴丸", "滴丸剂", "27mg", "瓶", "丸", 180, "天士力医药集团股份有限公司",
     "essential insurance_a"),
    ("ZA01BAL0102010102729", "drug", "连花清瘟胶囊", "胶囊剂", "0.35g", "盒", "粒", 24, "石家庄以岭药业股份有限公司",
     "essential insurance_b"),
    ("ZA04CAT0019010100705", "drug", "藿香正气滴丸", "滴丸剂", "2.6g", "盒", "袋", 9, "天士力医药集团股份有限公司",
     "essential insurance_a"),
    ("ZA12CAX0718030301697", "drug", "血塞通软胶囊", "软胶囊", "60mg", "盒", "粒", 24, "昆药集团股份有限公司",
     "negotiated insurance_b"),
    ("ZA16AAA0079010101218", "drug", "安宫牛黄丸", "丸剂", "3g", "盒", "丸", 1, "北京同仁堂股份有限公司",
     "essential insurance_a"),
    ("ZA12CAY0110020100312", "drug", "银杏叶片", "片剂", "9.6mg", "盒", "片", 24, "扬子江药业集团有限公司",
     "insurance_b"),
    ("C14010203003000011790000049", "consumable", "一次性使用输液器 带针", "", "0.7mm", "箱", "支", 400, "山东威高集团医用高分子制品股份有限公司",
     "vbp"),
    ("C14010101004000011790000012", "consumable", "一次性使用无菌注射器 带针", "", "5ml", "箱", "支", 600, "山东威高集团医用高分子制品股份有限公司",
     ""),
    ("C14030101001000043450000010", "consumable", "医用外科口罩", "", "17.5cm×9.5cm", "箱", "只", 2000, "稳健医疗用品股份有限公司",
     ""),
    ("C14020203001000021790000027", "consumable", "一次性使用导尿管", "", "双腔 16Fr", "盒", "根", 50, "广州维力医疗器械股份有限公司",
     ""),
    ("C02030301002000107660000016", "consumable", "冠状动脉药物洗脱支架系统", "", "3.0mm×18mm", "个", "个", 1, "乐普(北京)医疗器械股份有限公司",
     "vbp high_value"),
    ("C03160923400002043450000010", "consumable", "人工髋关节假体", "", "陶瓷-聚乙烯 全髋", "套", "套", 1, "北京市春立正达医疗器械股份有限公司",
     "vbp high_value"),
    ("C15011121200000107660000016", "consumable", "一次性使用管型吻合器", "", "CDH29", "个", "个", 1, "常州康迪医疗用品有限公司",
     "high_value"),
    ("C09100100000000211790000049", "consumable", "医用纱布敷料", "", "8cm×10cm-8P", "包", "片", 100, "振德医疗用品股份有限公司",
     ""),
    ("T000700366", "herbal", "黄芪", "饮片", "片", "kg", "g", 1000, "安徽亳州沪谯中药饮片厂", ""),
    ("T000700512", "herbal", "当归", "饮片", "片", "kg", "g", 1000, "甘肃岷县当归饮片有限公司", ""),
    ("T000700158", "herbal", "党参", "饮片", "段", "kg", "g", 1000, "安徽亳州沪谯中药饮片厂", ""),
    ("T000700231", "herbal", "白术", "饮片", "片", "kg", "g", 1000, "安徽亳州沪谯中药饮片厂", ""),
    ("T000700427", "herbal", "茯苓", "饮片", "块", "kg", "g", 1000, "湖北英山茯苓饮片有限公司", ""),
    ("T000700083", "herbal", "甘草", "饮片", "片", "kg", "g", 1000, "内蒙古杭锦旗甘草饮片厂", ""),
    ("T000700619", "herbal", "川芎", "饮片", "片", "kg", "g", 1000, "四川新荷花中药饮片股份有限公司", ""),
]

# code, name, role, licence number, licence expiry, bank, account  (partners S001–S004 are the ledger demo's)
SUPPLIERS = [
    ("S001", "国药控股清河医药有限公司", "distributor", "冀AA3110101", date(2028, 6, 30), "中国工商银行清河支行", "0406 0012 0930 0012 345"),
    ("S002", "华润河北医药有限公司", "distributor", "冀AA3110202", date(2027, 12, 31), "中国银行石家庄分行", "1003 5678 9012 3456"),
    ("S003", "九州通医药集团河北有限公司", "distributor", "冀AA3110303", date(2025, 10, 31), "中国建设银行邢台分行", "1305 0165 3608 0000 0456"),
    ("S004", "清河县医疗器械供应站", "distributor", "冀邢食药监械经营许20190044号", date(2029, 3, 31), "清河县农村信用合作联社", "7010 0012 3400 5566"),
    ("M001", "华北制药股份有限公司", "manufacturer", "冀20150001", date(2030, 12, 31), "中国农业银行石家庄分行", "5020 0104 0000 8899"),
]

# item code → [(supplier, unit price per package, platform, agreed annual volume or None)]; the first price of an
# item with two entries for the same supplier is last year's (history)
PRICES = {
    "XJ01CAA040E001010101605": [("M001", "2.1600", "provincial", 3000)],
    "XC08CAA163A001010100483": [("S001", "4.6800", "provincial", 2400)],
    "XA10BAE037A001020101132": [("S001", "3.9840", "provincial", 1800)],
    "XC10AAA224A001030200873": [("S001", "1.3300", "provincial", 2000), ("S002", "1.4100", "provincial", None)],
    "XC10AAR056A001020102217": [("S002", "5.1800", "provincial", 900)],
    "XA02BCA052E002010104287": [("S001", "2.5200", "provincial", 1500)],
    "XC08CAX018A003020100215": [("S002", "32.6100", "provincial", None)],
    "XC09CAX001E001010103391": [("S001", "6.4400", "provincial", 800)],
    "XJ01DDT020E001010104141": [("S002", "4.9500", "guangzhou", 600)],
    "XM01AEB069E003010100762": [("S002", "15.8000", "provincial", None)],
    "XB05XAL059B002030101940": [("S001", "2.9800", "provincial", None)],
    "XA10ABM047B002010178765": [("S001", "21.9200", "provincial", 1200)],
    "XA10BKD203A001010105310": [("S001", "53.5600", "provincial", None)],
    "XA10BJL161B002010107762": [("S002", "282.1400", "provincial", None)],
    "XC09DXS223A001020106652": [("S001", "76.0800", "provincial", None)],
    "XB01ACT156A001010102288": [("S002", "6.5700", "provincial", 700)],
    "XJ05AFE040A004010103127": [("S001", "1.2900", "provincial", 1000)],
    "XJ01FAA243A001010100516": [("S002", "8.3200", "provincial", None)],
    "XN02BED005A001010100927": [("S001", "2.4600", "provincial", None)],
    "XC01AAD039A001010100401": [("S002", "14.7500", "provincial", None)],
    "XH03BBJ022A001010101718": [("S001", "12.3000", "provincial", None)],
    "XJ01DDT046B001030104141": [("S001", "0.9300", "provincial", 5000)],
    "XJ01MAZ015A001010100873": [("S002", "1.7400", "shenzhen", 800)],
    "ZA12CAF0039010100705": [("S001", "25.8900", "provincial", None)],
    "ZA01BAL0102010102729": [("S002", "14.8000", "provincial", None)],
    "ZA04CAT0019010100705": [("S001", "17.1000", "provincial", None)],
    "ZA12CAX0718030301697": [("S002", "28.5000", "provincial", None)],
    "ZA12CAY0110020100312": [("S001", "19.6000", "other", None)],
    "C14010203003000011790000049": [("S004", "392.0000", "provincial", 60)],
    "C14010101004000011790000012": [("S004", "270.0000", "provincial", None)],
    "C14030101001000043450000010": [("S004", "560.0000", "other", None)],
    "C14020203001000021790000027": [("S004", "425.0000", "provincial", None)],
    "C02030301002000107660000016": [("S001", "798.0000", "provincial", 120)],
    "C03160923400002043450000010": [("S002", "7183.0000", "provincial", 40)],
    "C15011121200000107660000016": [("S002", "1450.0000", "provincial", None)],
    "T000700366": [("S002", "96.0000", "provincial", None)],
    "T000700512": [("S002", "158.0000", "provincial", None)],
    "T000700158": [("S002", "132.0000", "provincial", None)],
    "T000700231": [("S002", "68.0000", "provincial", None)],
    "T000700427": [("S002", "54.0000", "provincial", None)],
    "T000700083": [("S002", "46.0000", "provincial", None)],
}
# last year's prices of some items (history: superseded on 1 January) and agreements with the supplier whose
# licence has since expired (they ended with it). 硝酸甘油片, 安宫牛黄丸, 纱布敷料 and 川芎 have no agreement
# (ordering them needs the chief accountant's override: 非网采).
LAST_YEAR = {"XC08CAA163A001010100483": ("S001", "5.2400"), "XA10BAE037A001020101132": ("S001", "4.1200"),
             "C02030301002000107660000016": ("S001", "846.0000"), "T000700366": ("S002", "92.0000")}
EXPIRED_SUPPLIER = {"XJ01FAA243A001010100516": "8.9000", "XM01AEB069E003010100762": "16.2000"}
HERBAL_MARKUP = {"QH001": Decimal("0.25"), "QH002": Decimal("0.20")}


def _community(session: Session) -> Community | None:
    return session.scalar(select(Community).where(Community.code == DEMO_COMMUNITY[0]))


def load_demo(session: Session) -> None:
    community = _community(session)
    if community is None:
        return
    procurement.install_settings(session, community.id)
    items = _catalogue(session, community)
    suppliers = _suppliers(session, community)
    _agreements(session, items, suppliers)
    _formularies(session, community, items)
    _herbal_prices(session, community, items)
    session.flush()


def _catalogue(session: Session, community: Community) -> dict[str, CatalogueItem]:
    known = {item.code: item for item in session.scalars(
        select(CatalogueItem).where(CatalogueItem.community_id == community.id))}
    for serial, (code, category, name, form, spec, package, unit, units, maker, flags) in enumerate(ITEMS, start=1):
        if code in known:
            continue
        approval = {"drug": f"国药准字{'H' if code[0] == 'X' else 'Z'}{20060000 + serial * 137:08d}",
                    "consumable": f"国械注准{20193000000 + serial * 71}", "herbal": ""}[category]
        known[code] = procurement.create_item(session, community.id, {
            "code": code, "category": category, "generic_name": name, "dosage_form": form, "specification": spec,
            "package_unit": package, "min_unit": unit, "units_per_package": units, "manufacturer": maker,
            "approval_number": approval, "flags": flags.split()})
    return known


def supplier_uscc(serial: int) -> str:
    """A valid 统一社会信用代码 of a company registered in the demo county (工商 9, 企业 1)."""
    from stdnum.cn import uscc

    body = f"91130534MA{serial:07d}"
    return body + uscc.calc_check_digit(body)


def _suppliers(session: Session, community: Community) -> dict[str, Supplier]:
    found = {}
    for serial, (code, name, role, licence, expires, bank, account) in enumerate(SUPPLIERS, start=1):
        try:
            found[code] = procurement.supplier_by_code(session, community.id, code)
        except NotFound:
            found[code] = procurement.create_supplier(session, community.id, {
                "code": code, "name": name, "uscc": supplier_uscc(serial), "role": role, "licence_number": licence,
                "licence_expires": expires, "bank_name": bank, "bank_account": account})
    return found


def _agreements(session: Session, items: dict[str, CatalogueItem], suppliers: dict[str, Supplier]) -> None:
    community_id = next(iter(items.values())).community_id
    if session.scalar(select(PriceAgreement.id).where(PriceAgreement.community_id == community_id).limit(1)):
        return
    year = local_today().year
    last_year = (date(year - 1, 1, 1), date(year - 1, 12, 31))
    for code, (supplier, price) in LAST_YEAR.items():
        procurement.create_agreement(session, items[code], suppliers[supplier], {
            "unit_price": price, "valid_from": last_year[0], "valid_to": last_year[1], "platform": "provincial",
            "platform_code": f"HB{(year - 1) % 100:02d}{code[-6:]}", "note": "上年度协议"})
    for code, price in EXPIRED_SUPPLIER.items():
        procurement.create_agreement(session, items[code], suppliers["S003"], {
            "unit_price": price, "valid_from": date(2025, 1, 1), "valid_to": date(2025, 10, 31),
            "platform": "provincial", "platform_code": f"HB25{code[-6:]}", "note": "供应商许可证到期终止"})
    for code, offers in PRICES.items():
        for supplier, price, platform, volume in offers:
            vbp = items[code].vbp and volume is not None
            procurement.create_agreement(session, items[code], suppliers[supplier], {
                "unit_price": price, "valid_from": date(year, 1, 1),
                "valid_to": date(year, 12, 31) if vbp else date(year + 1, 6, 30),
                "platform": platform, "platform_code": f"{platform[:2].upper()}{year % 100:02d}{code[-6:]}",
                "agreed_volume": volume, "note": "国家集采中选 带量采购" if vbp else ""})


def _formularies(session: Session, community: Community, items: dict[str, CatalogueItem]) -> None:
    """County hospitals: everything; township and community centres: all but the high-value consumables and
    the 谈判 biologics; village clinics: the essential drugs and basic consumables."""
    members = session.scalars(select(Institution).where(Institution.community_id == community.id)
                              .order_by(Institution.code))
    have = {(row.institution_id, row.item_id) for row in session.execute(
        select(Formulary.institution_id, Formulary.item_id).join(Formulary.item).where(
            CatalogueItem.community_id == community.id))}
    for member in members:
        for item in items.values():
            if member.level is InstitutionLevel.COUNTY:
                wanted = True
            elif member.level is InstitutionLevel.TOWNSHIP:
                wanted = not item.high_value and item.code not in ("XA10BJL161B002010107762",)
            else:
                wanted = (item.essential and item.category.value == "drug") or (
                    item.category.value == "consumable" and not item.high_value)
            if wanted and (member.id, item.id) not in have:
                session.add(Formulary(institution_id=member.id, item_id=item.id, active=True, min_stock=None if (
                    member.level is InstitutionLevel.VILLAGE) else 20 if member.level is InstitutionLevel.COUNTY else 5))


def _herbal_prices(session: Session, community: Community, items: dict[str, CatalogueItem]) -> None:
    """The county hospitals' 中药饮片 prices: the agreement's cost with their markup (within the 25% cap)."""
    today = local_today()
    for code, markup in HERBAL_MARKUP.items():
        member = session.scalar(select(Institution).where(Institution.community_id == community.id,
                                                          Institution.code == code))
        if member is None:
            continue
        for item in items.values():
            agreement = procurement.agreement_in_force(session, item, None, today) if item.may_mark_up else None
            if agreement is None or procurement.selling_price_row(session, member, item) is not None:
                continue
            procurement.record_cost(session, member, item, agreement.unit_price)
            price = procurement.max_price(item, agreement.unit_price, markup)
            procurement.set_selling_price(session, member, item, format(price, "f"), on_date=today)
