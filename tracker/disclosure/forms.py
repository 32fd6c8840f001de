from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from ..forms import REQUIRED
from ..rules import ids, intake
from ..rules.report_layout import APPLICANT_TYPES, applicant_type_label


def _pairs(items):
    """(id, label) pairs from a rules vocabulary (dict id->label, or objects/tuples with id and label)."""
    if isinstance(items, dict):
        return [(k, v if isinstance(v, str) else getattr(v, "label", str(v))) for k, v in items.items()]
    out = []
    for it in items:
        if isinstance(it, tuple):
            out.append((it[0], it[1]))
        else:
            out.append((it.id, it.label))
    return out


class IntakeForm(FlaskForm):
    """Field types only; every rule is checked by tracker.disclosure.intake.validate (the one place)."""

    applicant_type = SelectField(validate_choice=False, label="申请人类型", choices=[], validators=REQUIRED)
    applicant_name = StringField("申请人姓名/名称", validators=REQUIRED)
    contact_person = StringField("联系人（法人或其他组织）")
    id_type = SelectField("证件类型", choices=[], default="none", validate_choice=False)
    id_number = StringField("证件号码")
    phone = StringField("联系电话")
    email = StringField("电子邮箱")
    address = StringField("通讯地址")
    postcode = StringField("邮政编码")
    channel = SelectField(validate_choice=False, label="申请方式", choices=[], validators=REQUIRED)
    sent_on = DateField("申请日期（寄出/提交日期）", validators=[Optional()], render_kw={"type": "date"})
    received_on = DateField("收到申请之日", validators=[Optional(), *REQUIRED], render_kw={"type": "date"})
    subject = StringField("申请内容摘要", validators=REQUIRED)
    content = TextAreaField("申请内容（所需政府信息的名称、文号或便于查询的其他特征性描述）", validators=REQUIRED)
    purpose = TextAreaField("用途说明")
    provision_form = SelectField(validate_choice=False, label="信息提供形式", choices=[])
    obtain_way = SelectField(validate_choice=False, label="获取信息的方式", choices=[])
    tags = StringField("主题标签（多个用逗号或顿号分隔，如：项目立项）")
    remarks = TextAreaField("备注")
    attachment = FileField("申请材料扫描件")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.applicant_type.choices = [("", "请选择")] + [(t.id, applicant_type_label(t.id)) for t in APPLICANT_TYPES]
        self.id_type.choices = _pairs(ids.ID_TYPES)
        self.channel.choices = [("", "请选择")] + _pairs(intake.CHANNELS)
        self.provision_form.choices = [("", "未说明")] + _pairs(intake.PROVISION_FORMS)
        self.obtain_way.choices = [("", "未说明")] + _pairs(intake.OBTAIN_WAYS)

    DATE_MESSAGE = "日期格式不正确，请按“年-月-日”填写，例如 2026-03-02。"

    def data_dict(self) -> dict:
        return {name: field.data for name, field in self._fields.items() if name not in ("csrf_token", "attachment")}

    def parse(self) -> bool:
        """Field types only (dates that cannot be read get one clear message); False if any failed."""
        if self.validate():
            return True
        for name in ("sent_on", "received_on"):
            if getattr(self, name).errors and getattr(self, name).data is None:  # unreadable
                getattr(self, name).errors[:] = [self.DATE_MESSAGE]
        return False

    def add_errors(self, errors: dict[str, str]) -> list[str]:
        """Each message under its own field (not over a field that already shows why it could not be read);
        returns the messages that belong to no field of this form."""
        loose = []
        for name, message in errors.items():
            if name in self and name != "csrf_token":
                if not self[name].errors:
                    self[name].errors = [message]
                elif message not in self[name].errors and name not in ("sent_on", "received_on"):
                    self[name].errors = [*self[name].errors, message]
            else:
                loose.append(message)
        return loose
