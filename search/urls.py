from django.urls import path

from search import views

# Not namespaced: the top bar's form (base.html) has always posted to {% url 'search' %}.
urlpatterns = [
    path("", views.results, name="search"),
    path("suggest", views.suggest, name="search_suggest"),
]
