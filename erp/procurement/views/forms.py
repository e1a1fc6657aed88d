"""Web forms of the procurement pages (CSRF-protected by Flask-WTF)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, IntegerField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from erp.procurement.models import CATEGORY_LABELS, FLAG_LABELS, PLATFORM_LABELS, ROLE_LABELS


class ItemForm(FlaskForm):
    code = StringField(_l("医保编码"), validators=[DataRequired(), Length(max=32)])
    category = SelectField(_l("类别"), choices=[(k.value, v) for k, v in CATEGORY_LABELS.items()])
    generic_name = StringField(_l("通用名"), validators=[DataRequired(), Length(max=128)])
    trade_name = StringField(_l("商品名"), validators=[Optional(), Length(max=128)])
    dosage_form = StringField(_l("剂型"), validators=[Optional(), Length(max=64)])
    specification = StringField(_l("规格"), validators=[Optional(), Length(max=128)])
    package_unit = StringField(_l("包装单位"), validators=[DataRequired(), Length(max=16)])
    min_unit = StringField(_l("最小单位"), validators=[DataRequired(), Length(max=16)])
    units_per_package = IntegerField(_l("每包装最小单位数"), default=1,
                                     validators=[DataRequired(), NumberRange(min=1, max=1_000_000)])
    manufacturer = StringField(_l("生产企业"), validators=[Optional(), Length(max=128)])
    approval_number = StringField(_l("批准文号"), validators=[Optional(), Length(max=64)])
    flags = SelectMultipleField(_l("标识"), choices=list(FLAG_LABELS.items()))
    active = BooleanField(_l("启用"), default=True)


class SupplierForm(FlaskForm):
    code = StringField(_l("编码"), validators=[DataRequired(), Length(max=32)])
    name = StringField(_l("名称"), validators=[DataRequired(), Length(max=128)])
    uscc = StringField(_l("统一社会信用代码"), validators=[DataRequired(), Length(min=18, max=18)])
    role = SelectField(_l("供应链角色"), choices=[(k.value, v) for k, v in ROLE_LABELS.items()])
    licence_number = StringField(_l("药品经营许可证号"), validators=[Optional(), Length(max=64)])
    licence_expires = DateField(_l("许可证有效期至"), validators=[DataRequired()])
    bank_name = StringField(_l("开户银行"), validators=[Optional(), Length(max=128)])
    bank_account = StringField(_l("银行账号"), validators=[Optional(), Length(max=64)])
    active = BooleanField(_l("启用"), default=True)


class AgreementForm(FlaskForm):
    item = StringField(_l("品种医保编码"), validators=[DataRequired(), Length(max=32)])
    supplier = StringField(_l("供应商编码"), validators=[DataRequired(), Length(max=32)])
    unit_price = StringField(_l("协议单价（元/包装，最多4位小数）"), validators=[DataRequired(), Length(max=24)])
    valid_from = DateField(_l("生效日期"), validators=[DataRequired()])
    valid_to = DateField(_l("失效日期（空 = 长期）"), validators=[Optional()])
    platform = SelectField(_l("交易平台"), choices=[(k.value, v) for k, v in PLATFORM_LABELS.items()])
    platform_code = StringField(_l("平台产品编码（挂网编码）"), validators=[Optional(), Length(max=64)])
    agreed_volume = IntegerField(_l("约定年采购量（包装，集采带量）"), validators=[Optional(), NumberRange(min=1)])
    note = StringField(_l("备注"), validators=[Optional(), Length(max=256)])


class PriceForm(FlaskForm):
    institution = SelectField(_l("成员单位"))
    selling_price = StringField(_l("零售价（元/包装）"), validators=[DataRequired(), Length(max=24)])


class FormularyForm(FlaskForm):
    institution = SelectField(_l("成员单位"))
    action = SelectField(_l("操作"), choices=[("add", _l("纳入用药目录")), ("remove", _l("移出用药目录"))])
    min_stock = IntegerField(_l("最低库存（包装）"), validators=[Optional(), NumberRange(min=0, max=10_000_000)])


class SettingsForm(FlaskForm):
    herbal_markup_cap = StringField(_l("中药饮片加成上限（如 0.25 = 25%，含）"), validators=[DataRequired(), Length(max=12)])
    former_markup = StringField(_l("原药品加成率（测算减少收入，如 0.15）"), validators=[DataRequired(), Length(max=12)])
    compensation_price = StringField(_l("补偿：医疗服务价格调整比例"), validators=[DataRequired(), Length(max=12)])
    compensation_subsidy = StringField(_l("补偿：财政补助比例"), validators=[DataRequired(), Length(max=12)])
    compensation_absorbed = StringField(_l("补偿：医院消化比例"), validators=[DataRequired(), Length(max=12)])
    match_tolerance = StringField(_l("三单匹配容差（0 = 完全一致）"), validators=[DataRequired(), Length(max=12)])
    online_target_drugs = StringField(_l("药品网采率目标"), validators=[DataRequired(), Length(max=12)])
    online_target_high_value = StringField(_l("高值耗材网采率目标"), validators=[DataRequired(), Length(max=12)])
    near_expiry_months = IntegerField(_l("近效期预警（月）"), validators=[DataRequired(), NumberRange(min=0, max=60)])
    payment_term_days = IntegerField(_l("付款期限（验收后天数）"), validators=[DataRequired(), NumberRange(min=0, max=365)])


class ImportForm(FlaskForm):
    file = FileField(_l("目录文件 (.xlsx)"), validators=[FileRequired(message=_l("请选择要导入的 Excel 文件"))])
