//! Leaflet, driven from Rust. The library (vendored from npm into public/leaflet/) is not in the
//! first page's bytes: `charger()` adds its script and stylesheet the first time a map page
//! opens. Bindings cover only what our maps use.

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen]
extern "C" {
    #[derive(Clone)]
    pub type Map;
    #[wasm_bindgen(js_namespace = L, js_name = map)]
    pub fn new_map(el: &web_sys::HtmlElement, options: &JsValue) -> Map;
    #[wasm_bindgen(method, js_name = setView)]
    pub fn set_view(this: &Map, center: &JsValue, zoom: f64) -> Map;
    #[wasm_bindgen(method, js_name = getZoom)]
    pub fn get_zoom(this: &Map) -> f64;
    #[wasm_bindgen(method, js_name = getBounds)]
    pub fn get_bounds(this: &Map) -> Bounds;
    #[wasm_bindgen(method, js_name = on)]
    pub fn on_map(this: &Map, event: &str, f: &Function) -> Map;
    #[wasm_bindgen(method)]
    pub fn remove(this: &Map);
    #[wasm_bindgen(method, js_name = fitBounds)]
    pub fn fit_bounds(this: &Map, bounds: &JsValue) -> Map;
    #[wasm_bindgen(method, js_name = invalidateSize)]
    pub fn invalidate_size(this: &Map);

    #[derive(Clone)]
    pub type Bounds;
    #[wasm_bindgen(method, js_name = getWest)]
    pub fn west(this: &Bounds) -> f64;
    #[wasm_bindgen(method, js_name = getSouth)]
    pub fn south(this: &Bounds) -> f64;
    #[wasm_bindgen(method, js_name = getEast)]
    pub fn east(this: &Bounds) -> f64;
    #[wasm_bindgen(method, js_name = getNorth)]
    pub fn north(this: &Bounds) -> f64;

    #[derive(Clone)]
    pub type Layer;
    #[wasm_bindgen(method, js_name = addTo)]
    pub fn add_to(this: &Layer, map: &Map) -> Layer;
    #[wasm_bindgen(method, js_name = addLayer)]
    pub fn add_layer(this: &Layer, layer: &Layer) -> Layer;
    #[wasm_bindgen(method, js_name = clearLayers)]
    pub fn clear_layers(this: &Layer) -> Layer;
    #[wasm_bindgen(method, js_name = bindTooltip)]
    fn bind_tooltip_element(this: &Layer, content: &web_sys::Element) -> Layer;
    #[wasm_bindgen(method, js_name = on)]
    pub fn on(this: &Layer, event: &str, f: &Function) -> Layer;
    #[wasm_bindgen(method, js_name = bringToBack)]
    pub fn bring_to_back(this: &Layer) -> Layer;

    #[wasm_bindgen(js_namespace = L, js_name = tileLayer)]
    pub fn tile_layer(url: &str, options: &JsValue) -> Layer;
    #[wasm_bindgen(js_namespace = L, js_name = geoJSON)]
    pub fn geo_json(data: &JsValue, options: &JsValue) -> Layer;
    #[wasm_bindgen(js_namespace = L, js_name = layerGroup)]
    pub fn layer_group() -> Layer;
    #[wasm_bindgen(js_namespace = L, js_name = circleMarker)]
    pub fn circle_marker(latlng: &JsValue, options: &JsValue) -> Layer;
    #[wasm_bindgen(js_namespace = L, js_name = marker)]
    pub fn marker(latlng: &JsValue, options: &JsValue) -> Layer;
    #[wasm_bindgen(js_namespace = L, js_name = divIcon)]
    pub fn div_icon(options: &JsValue) -> JsValue;
    /// A zoom control (French button titles); added with `add_to` like a layer.
    #[wasm_bindgen(js_namespace = ["L", "control"], js_name = zoom)]
    pub fn control_zoom(options: &JsValue) -> Layer;
}

/// A JavaScript object from (key, value) pairs.
pub fn obj(pairs: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in pairs {
        let _ = Reflect::set(&o, &JsValue::from_str(k), v);
    }
    o.into()
}

pub fn latlng(lat: f64, lon: f64) -> JsValue {
    js_sys::Array::of2(&lat.into(), &lon.into()).into()
}

/// Adds Leaflet's script and stylesheet to the page once; resolves when the script has run.
pub async fn charger() -> Result<(), JsValue> {
    let window = web_sys::window().ok_or("pas de fenêtre")?;
    if Reflect::has(&window, &"L".into()).unwrap_or(false) {
        return Ok(());
    }
    let document = window.document().ok_or("pas de document")?;
    let head = document.head().ok_or("pas de head")?;
    if document.get_element_by_id("leaflet-css").is_none() {
        let link = document.create_element("link")?;
        link.set_attribute("id", "leaflet-css")?;
        link.set_attribute("rel", "stylesheet")?;
        link.set_attribute("href", "/zone-lieux/leaflet/leaflet.css")?;
        head.append_child(&link)?;
    }
    let script = match document.get_element_by_id("leaflet-js") {
        Some(s) => s,
        None => {
            let s = document.create_element("script")?;
            s.set_attribute("id", "leaflet-js")?;
            s.set_attribute("src", "/zone-lieux/leaflet/leaflet.js")?;
            head.append_child(&s)?;
            s
        }
    };
    let promise = Promise::new(&mut |resolve, reject| {
        let _ = script.add_event_listener_with_callback("load", &resolve);
        let _ = script.add_event_listener_with_callback("error", &reject);
    });
    // Another map page may have added the script and it may already have run.
    if Reflect::has(&window, &"L".into()).unwrap_or(false) {
        return Ok(());
    }
    wasm_bindgen_futures::JsFuture::from(promise).await?;
    Ok(())
}

/// A closure handed to Leaflet for the life of the page. Maps are removed when their page goes;
/// their few handlers are leaked with them, which is simpler than tracking each listener.
pub fn callback<F: FnMut(JsValue) + 'static>(f: F) -> Function {
    let c = Closure::<dyn FnMut(JsValue)>::new(f);
    let func: Function = c.as_ref().unchecked_ref::<Function>().clone();
    c.forget();
    func
}

/// A style function for GeoJSON layers: feature → options object.
pub fn style_fn<F: Fn(&JsValue) -> JsValue + 'static>(f: F) -> Function {
    let c = Closure::<dyn Fn(JsValue) -> JsValue>::new(move |feature: JsValue| f(&feature));
    let func: Function = c.as_ref().unchecked_ref::<Function>().clone();
    c.forget();
    func
}

/// `feature.properties[key]` as text.
pub fn propriete(feature: &JsValue, key: &str) -> String {
    Reflect::get(feature, &"properties".into())
        .and_then(|p| Reflect::get(&p, &key.into()))
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default()
}

/// The map's options: canvas drawing, so points never become DOM elements; the zoom control is
/// added by `zoom_fr` with French labels.
pub fn options_carte() -> JsValue {
    obj(&[
        ("preferCanvas", true.into()),
        ("zoomSnap", 0.5.into()),
        ("minZoom", 3.into()),
        ("maxZoom", 18.into()),
        ("zoomControl", false.into()),
        ("attributionControl", true.into()),
    ])
}

/// The zoom buttons, labelled in French (Leaflet's own are in English).
pub fn zoom_fr(map: &Map) {
    control_zoom(&obj(&[
        ("zoomInTitle", "Zoom avant".into()),
        ("zoomOutTitle", "Zoom arrière".into()),
        ("position", "topleft".into()),
    ]))
    .add_to(map);
}

/// `[[sud, ouest], [nord, est]]`.
pub fn bounds(sud: f64, ouest: f64, nord: f64, est: f64) -> JsValue {
    js_sys::Array::of2(&latlng(sud, ouest), &latlng(nord, est)).into()
}

/// Metropolitan France, Corsica included: where the maps open.
pub fn metropole(map: &Map) {
    map.fit_bounds(&bounds(41.3, -5.2, 51.1, 9.6));
}

/// A `<span>` holding `text` as a text node (with `class` if given): what Leaflet is given
/// instead of an HTML string wherever a venue's name or commune can appear, since those come from
/// imported files and from conseillers' reports.
pub fn span_texte(class: Option<&str>, text: &str) -> Option<web_sys::Element> {
    let span = web_sys::window()?.document()?.create_element("span").ok()?;
    if let Some(c) = class {
        span.set_class_name(c);
    }
    span.set_text_content(Some(text));
    Some(span)
}

/// A tooltip showing `text` as text (given a string, Leaflet would set it as HTML).
pub fn bind_tooltip(layer: &Layer, text: &str) {
    if let Some(span) = span_texte(None, text) {
        layer.bind_tooltip_element(&span);
    }
}
