"""Web forms of the core module (CSRF-protected by Flask-WTF)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from erp.core.models import COST_CLASS_TITLES, INSTITUTION_KIND_TITLES


class LoginForm(FlaskForm):
    username = StringField(_l("用户名"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("密码"), validators=[DataRequired()])


class InstitutionForm(FlaskForm):
    code = StringField(_l("编码"), validators=[DataRequired(), Length(max=32)])
    name = StringField(_l("名称"), validators=[DataRequired(), Length(max=128)])
    kind = SelectField(_l("类型"), choices=[(k.value, v) for k, v in INSTITUTION_KIND_TITLES.items()])
    parent = StringField(_l("上级单位编码（村卫生室）"), validators=[Optional(), Length(max=32)])
    uscc = StringField(_l("统一社会信用代码"), validators=[Optional(), Length(min=18, max=18)])


class DepartmentForm(FlaskForm):
    institution = SelectField(_l("成员单位"), coerce=int)
    code = StringField(_l("编码"), validators=[DataRequired(), Length(max=32)])
    name = StringField(_l("名称"), validators=[DataRequired(), Length(max=128)])
    cost_class = SelectField(_l("成本类别"), choices=[(k.value, v) for k, v in COST_CLASS_TITLES.items()])
