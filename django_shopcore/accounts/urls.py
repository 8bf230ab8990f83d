"""Account routes: ``auth/...`` and the admin-only ``users/``."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

app_name = "shopcore_auth"

router = SimpleRouter()
router.register("users", views.UserViewSet, basename="user")

urlpatterns = [
    path("auth/register/", views.RegisterView.as_view(), name="register"),
    path("auth/login/", views.LoginView.as_view(), name="login"),
    path("auth/refresh/", views.RefreshView.as_view(), name="refresh"),
    path("auth/logout/", views.LogoutView.as_view(), name="logout"),
    path("auth/logout-all/", views.LogoutAllView.as_view(), name="logout-all"),
    path("auth/me/", views.MeView.as_view(), name="me"),
    path("auth/password/", views.PasswordChangeView.as_view(), name="password"),
    path("auth/password/reset/", views.PasswordResetView.as_view(), name="password-reset"),
    path(
        "auth/password/reset/confirm/",
        views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    *router.urls,
]
