"""Login, password and account-administration forms (labels and errors in Chinese)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation

from dangjian.audit.models import AuditEvent
from dangjian.audit.services import record
from dangjian.core.orgpicker import use_org_picker
from dangjian.core.scoping import has_global_perm
from dangjian.orgs.models import Organization

from .models import User
from .policy import ACCOUNT_EXPIRED
from .roles import ROLE_CHOICES

# One message for a wrong password, an unknown user and a disabled account alike.
LOGIN_ERROR = "用户名或密码不正确，请重新输入。连续失败 5 次，账号将被锁定 15 分钟。"


def policy_help_text() -> str:
    return " ".join(password_validation.password_validators_help_texts())


class LoginForm(auth_forms.AuthenticationForm):
    error_messages = {"invalid_login": LOGIN_ERROR, "inactive": LOGIN_ERROR}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "用户名"
        self.fields["password"].label = "密码"

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        if user.account_expired():
            # The password was right, so naming the reason reveals nothing to a guesser.
            record(
                "login_failed",
                outcome=AuditEvent.Outcome.FAILURE,
                actor_name=user.username,
                detail={"attempted_username": user.username, "reason": "account_expired"},
            )
            raise forms.ValidationError(ACCOUNT_EXPIRED, code="expired")


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    error_messages = {
        **auth_forms.PasswordChangeForm.error_messages,
        "password_incorrect": "原密码不正确，请重新输入。",
        "password_mismatch": "两次输入的新密码不一致，请重新输入。",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = "原密码"
        self.fields["new_password1"].label = "新密码"
        self.fields["new_password2"].label = "确认新密码"
        self.fields["new_password1"].help_text = policy_help_text()


class UserCreateForm(forms.Form):
    """An account with an initial password; the owner must change it at first login."""

    username = forms.CharField(label="用户名", max_length=150)
    display_name = forms.CharField(label="姓名", max_length=64, required=False)
    email = forms.EmailField(label="电子邮箱", required=False)
    expires_on = forms.DateField(
        label="账号有效期至",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="临时账号填写到期日（当天仍可使用）；留空表示长期有效。",
    )
    password1 = forms.CharField(
        label="初始密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label="确认初始密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password1"].help_text = policy_help_text()

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(f"用户名“{username}”已存在，请换一个。")
        return username

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", "两次输入的密码不一致，请重新输入。")
        elif p1 and data.get("username"):
            candidate = User(
                username=data["username"],
                display_name=data.get("display_name", ""),
                email=data.get("email", ""),
            )
            try:
                password_validation.validate_password(p1, candidate)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data


class DecisionForm(forms.Form):
    note = forms.CharField(label="审批意见", max_length=200, required=False)


class UserExpiryForm(forms.Form):
    expires_on = forms.DateField(
        label="账号有效期至",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="到期次日起不能登录；留空表示长期有效。",
    )


class OrgChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Organization) -> str:
        return "　" * (obj.depth - 1) + obj.name


class RoleProposalForm(forms.Form):
    role = forms.ChoiceField(label="角色", choices=ROLE_CHOICES)
    org = OrgChoiceField(
        label="所辖组织",
        queryset=Organization.objects.none(),
        required=False,
        help_text="党组织相关角色须选组织（作用于该组织及全部下级）；系统/安全/审计管理员不选。",
    )
    note = forms.CharField(
        label="说明", max_length=200, required=False, help_text="授权依据，供安全管理员审批时参考。"
    )

    def __init__(self, *args: Any, actor: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Account admins assign roles anywhere in the tree; they see org names, no member data.
        if has_global_perm(actor, "orgs.pick_organization"):
            orgs = Organization.objects.all()
        else:
            orgs = Organization.objects.restrict(actor, "view")
        org_field = self.fields["org"]
        assert isinstance(org_field, forms.ModelChoiceField)
        org_field.queryset = orgs.order_by("path")
        use_org_picker(self, user_kwarg="actor")
