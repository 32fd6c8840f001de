from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from ..forms import REQUIRED
from . import roles


class LoginForm(FlaskForm):
    username = StringField("用户名", validators=[DataRequired("请输入用户名。")])
    password = PasswordField("密码", validators=[DataRequired("请输入密码。")])


class SectionForm(FlaskForm):
    name = StringField(
        "科室名称", validators=[DataRequired("请输入科室名称。"), Length(max=60, message="科室名称不能超过60个字。")]
    )
    active = BooleanField("启用", default=True)


class AgencyForm(FlaskForm):
    name = StringField(
        "机关名称", validators=[DataRequired("请输入机关名称。"), Length(max=100, message="机关名称不能超过100个字。")]
    )
    address = StringField("通讯地址")
    postcode = StringField("邮政编码")
    phone = StringField("联系电话")
    email = StringField("电子邮箱")
    website = StringField("政府网站")
    reconsideration_body = StringField("行政复议机关（如：某区人民政府）")
    court = StringField("管辖法院（如：某区人民法院）")
    internal_due_workdays = StringField("内部办理期限：法定答复期限前的工作日数")


class UserForm(FlaskForm):
    username = StringField("用户名", validators=[*REQUIRED, Length(max=40, message="用户名不能超过40个字符。")])
    display_name = StringField("姓名", validators=[Optional(), Length(max=60, message="姓名不能超过60个字。")])
    email = StringField("电子邮箱", validators=[Optional(), Length(max=120, message="邮箱不能超过120个字符。")])
    role = SelectField("角色", choices=list(roles.ASSIGNABLE.items()), validators=REQUIRED)
    section_id = SelectField("所属科室", coerce=int, choices=[])
    active = BooleanField("启用", default=True)
    password = PasswordField("密码（留空则自动生成/不修改）", validators=[Optional()])


class ChangePasswordForm(FlaskForm):
    current = PasswordField("当前密码", validators=[DataRequired("请输入当前密码。")])
    new = PasswordField("新密码", validators=[DataRequired("请输入新密码。")])
    confirm = PasswordField("再次输入新密码", validators=[DataRequired("请再次输入新密码。")])


# Issue 16: the platform administrator's unit pages (tracker/accounts/unit_views.py). The checks are the
# service's (tracker.accounts.tree): the form only carries the values.
class UnitForm(FlaskForm):
    name = StringField("单位名称", validators=[DataRequired("请输入单位名称。")])
    parent_id = SelectField("上级单位", coerce=int, choices=[])
    population = StringField("常住人口（人，可不填）")


class UnitEditForm(FlaskForm):
    name = StringField("单位名称", validators=[DataRequired("请输入单位名称。")])
    population = StringField("常住人口（人，可不填）")


class UnitMoveForm(FlaskForm):
    parent_id = SelectField("新的上级单位", coerce=int, choices=[])
    reports = BooleanField("已发布的年度报告保持原样（keep）")


class UnitAdminForm(FlaskForm):
    username = StringField("用户名", validators=[*REQUIRED, Length(max=40, message="用户名不能超过40个字符。")])
    display_name = StringField("姓名", validators=[Optional(), Length(max=60, message="姓名不能超过60个字。")])
    email = StringField("电子邮箱", validators=[Optional(), Length(max=120, message="邮箱不能超过120个字符。")])
    password = PasswordField("初始密码（留空则自动生成）", validators=[Optional()])
